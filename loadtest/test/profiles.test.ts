import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildOptions,
  durationSeconds,
  PROFILE_TABLE,
  PROFILES,
  rateAt,
  readProfileSettings,
  stressStages,
} from '../lib/profiles.ts';

test('load is an open model at RATE for DURATION', () => {
  const o = buildOptions({ PROFILE: 'load', RATE: '300', DURATION: '45s' });
  assert.deepEqual(Object.keys(o.scenarios), ['load']);
  const s = o.scenarios['load'];
  assert.equal(s?.executor, 'constant-arrival-rate');
  assert.ok(s?.executor === 'constant-arrival-rate' && s.rate === 300 && s.duration === '45s');
  assert.ok(s.preAllocatedVUs >= 10 && s.maxVUs >= s.preAllocatedVUs);
});

test('stress climbs a staircase to MAX_RATE and aborts on failed thresholds', () => {
  const o = buildOptions({
    PROFILE: 'stress',
    START_RATE: '100',
    MAX_RATE: '1000',
    STEPS: '3',
    P95_MS: '40',
  });
  const s = o.scenarios['stress'];
  assert.ok(s?.executor === 'ramping-arrival-rate');
  assert.deepEqual(
    s.stages.map((st) => st.target),
    [400, 400, 700, 700, 1000, 1000],
  );
  const p95 = o.thresholds['http_req_duration{expected_response:true}']?.[0];
  assert.deepEqual(p95, { threshold: 'p(95)<40', abortOnFail: true, delayAbortEval: '10s' });
  assert.equal(typeof o.thresholds['http_req_failed']?.[0], 'object');
});

test('load and soak keep thresholds without aborting; smoke is a handful of iterations', () => {
  assert.equal(buildOptions({ PROFILE: 'soak' }).thresholds['http_req_failed']?.[0], 'rate<0.01');
  const smoke = buildOptions({}).scenarios['smoke'];
  assert.ok(smoke?.executor === 'per-vu-iterations' && smoke.vus === 1);
});

test('spike jumps from RATE to MAX_RATE and back', () => {
  const s = buildOptions({ PROFILE: 'spike', RATE: '50', MAX_RATE: '500' }).scenarios['spike'];
  assert.ok(s?.executor === 'ramping-arrival-rate');
  assert.equal(Math.max(...s.stages.map((st) => st.target)), 500);
  assert.equal(s.stages.at(-1)?.target, 50);
});

test('bad settings are refused with the variable, the value and what was expected', () => {
  assert.throws(
    () => readProfileSettings({ PROFILE: 'heavy' }),
    /PROFILE="heavy": expected one of smoke, load, stress, spike, soak, closed/,
  );
  assert.throws(() => buildOptions({ PROFILE: 'Load' }), /PROFILE="Load"/);
  assert.throws(
    () => readProfileSettings({ MAX_ERROR_RATE: '5' }),
    /MAX_ERROR_RATE="5": expected a number from 0 to 1/,
  );
  assert.throws(() => readProfileSettings({ RATE: 'fast' }), /RATE="fast": expected a number/);
  assert.throws(
    () => readProfileSettings({ DURATION: '10 minutes' }),
    /DURATION="10 minutes": expected a k6 duration/,
  );
});

test('replicas are spread by round-robin DNS with a short cache', () => {
  const o = buildOptions({ PROFILE: 'load' });
  assert.equal(o.dns.select, 'roundRobin');
  assert.equal(o.summaryTrendStats.includes('p(99)'), true);
});

test('durations and the offered rate along a staircase', () => {
  assert.equal(durationSeconds('1m30s'), 90);
  assert.equal(durationSeconds('250ms'), 0.25);
  const stages = stressStages(
    readProfileSettings({ PROFILE: 'stress', START_RATE: '0', MAX_RATE: '200', STEPS: '2' }),
  );
  assert.equal(rateAt(0, stages, 2.5), 50);
  assert.equal(rateAt(0, stages, 20), 100);
  assert.equal(rateAt(0, stages, 10_000), 200);
});

test('every profile in the table builds a k6 scenario with its executor', () => {
  for (const profile of PROFILES) {
    const s = buildOptions({ PROFILE: profile }).scenarios[profile];
    assert.equal(s?.executor, PROFILE_TABLE[profile].executor, profile);
    assert.deepEqual(s?.tags, { profile, journey: 'default' });
  }
});

test('closed is a closed model: VUS clients for DURATION, no arrival rate', () => {
  const s = buildOptions({ PROFILE: 'closed', VUS: '25', DURATION: '3m' }).scenarios['closed'];
  assert.deepEqual(s, {
    executor: 'constant-vus',
    vus: 25,
    duration: '3m',
    exec: 'default',
    tags: { profile: 'closed', journey: 'default' },
  });
});

test('several journeys split the rate and the VUs by their share, one k6 scenario each', () => {
  const o = buildOptions({ PROFILE: 'load', RATE: '100', PRE_ALLOCATED_VUS: '20' }, [
    { exec: 'a', journey: 'predict', share: 0.75 },
    { exec: 'b', journey: 'batch', share: 0.25 },
    { exec: 'c', journey: 'idle', share: 0 },
  ]);
  assert.deepEqual(Object.keys(o.scenarios), ['load_predict', 'load_batch']);
  const batch = o.scenarios['load_batch'];
  assert.ok(batch?.executor === 'constant-arrival-rate');
  assert.deepEqual([batch.exec, batch.rate, batch.timeUnit, batch.preAllocatedVUs], ['b', 25, '1s', 5]);
  assert.deepEqual(o.thresholds['http_req_duration{journey:batch}'], ['p(95)<100']);
  assert.equal(buildOptions({ PROFILE: 'load' }).thresholds['http_req_duration{journey:default}'], undefined);
  const spike = buildOptions({ PROFILE: 'spike', RATE: '10', MAX_RATE: '100' }, [
    { exec: 'b', journey: 'batch', share: 0.5 },
  ]).scenarios['spike'];
  assert.ok(spike?.executor === 'ramping-arrival-rate');
  assert.equal(spike.startRate, 5);
  assert.equal(Math.max(...spike.stages.map((st) => st.target)), 50);
});

test('a rate that is not whole per second is sent per minute', () => {
  const s = buildOptions({ PROFILE: 'load', RATE: '0.5' }).scenarios['load'];
  assert.ok(s?.executor === 'constant-arrival-rate');
  assert.deepEqual([s.rate, s.timeUnit], [30, '1m']);
});
