import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOptions, durationSeconds, rateAt, readProfileSettings, stressStages } from '../lib/profiles.ts';

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
    /PROFILE="heavy": expected one of smoke, load/,
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
