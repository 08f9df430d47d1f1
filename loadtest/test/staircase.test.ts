import assert from 'node:assert/strict';
import { test } from 'node:test';
import { climb, staircaseRates } from '../sweep/staircase.ts';
import type { StepResult } from '../sweep/types.ts';

const step = (rate: number, p95Ms: number): StepResult => ({
  offeredRate: rate,
  achievedRate: rate,
  requests: rate,
  errorRate: 0,
  p50Ms: 1,
  p95Ms,
  p99Ms: p95Ms * 2,
  maxMs: p95Ms * 3,
  shortfall: 0,
  replicaCpuPercent: [50],
  generatorCpuPercent: 10,
  hostCpuPercent: 50,
});
const t = { p95Ms: 10, maxErrorRate: 0.01 };
const s = { startRate: 100, growth: 2, maxSteps: 10, maxRate: 2000 };

test('the staircase grows geometrically up to the maximum rate', () => {
  assert.deepEqual(staircaseRates(s), [100, 200, 400, 800, 1600]);
  assert.deepEqual(staircaseRates({ ...s, maxSteps: 2 }), [100, 200]);
});

test('the climb stops at a knee that fails twice', async () => {
  const runs: number[] = [];
  const steps = await climb(s, t, async (rate) => {
    runs.push(rate);
    return step(rate, rate >= 400 ? 50 : 2);
  });
  assert.deepEqual(runs, [100, 200, 400, 400]);
  assert.deepEqual(
    steps.map((x) => x.offeredRate),
    [100, 200, 400],
  );
});

test('one noisy step is run again and the climb goes on when the rerun holds', async () => {
  let noisy = true;
  const steps = await climb({ ...s, maxSteps: 4 }, t, async (rate) => {
    const slow = rate === 200 && noisy;
    if (rate === 200) noisy = false;
    return step(rate, slow ? 50 : 2);
  });
  assert.deepEqual(
    steps.map((x) => [x.offeredRate, x.p95Ms]),
    [
      [100, 2],
      [200, 2],
      [400, 2],
      [800, 2],
    ],
  );
});

test('when even the first step fails the climb steps down until a rate holds', async () => {
  const steps = await climb({ ...s, startRate: 800 }, t, async (rate) => step(rate, rate > 200 ? 50 : 2));
  assert.deepEqual(
    steps.map((x) => x.offeredRate),
    [200, 400, 800],
  );
});
