import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdaptivePolicy,
  batchPolicy,
  LIGHT_LOAD,
  RateWindowPolicy,
  RunCost,
  worthWaiting,
} from '../src/model/batch-policy.ts';

/** A 2,100-tree model's costs as measured on the bench VM: 150 µs a run, 50 µs a row. */
const champion = (rows: number) => 0.15 + 0.05 * rows;

/** An adaptive policy (1 ms cap, batches of ≤ 1,024) that has seen runs of 1 and 32 rows. */
function calibrated(cost = champion, maxWaitMs = 1): AdaptivePolicy {
  const policy = new AdaptivePolicy(maxWaitMs, 1024);
  for (let i = 0; i < 5; i++) {
    policy.ran(1, cost(1));
    policy.ran(32, cost(32));
  }
  return policy;
}

/**
 * Admits single rows evenly spaced at `perSecond` on an injected clock from `from` for `count` rows,
 * each alone in its queue (as when every batch ran): the waits the policy gave the last one.
 */
function steady(policy: { admit(queued: number, now: number): number }, perSecond: number, count: number) {
  let wait = 0;
  let now = 1000;
  for (let i = 0; i < count; i++, now += 1000 / perSecond) wait = policy.admit(1, now);
  return { wait, now };
}

describe('the rate policy: whether queued rows wait for more', () => {
  it('never waits when the wait is off', () => {
    assert.equal(worthWaiting(100, 1, 0), false);
  });

  it('does not wait under light traffic', () => {
    // 1,000 requests/s with a 1 ms wait: one more row at best.
    assert.equal(worthWaiting(1, 1, 1), false);
  });

  it('waits under heavy traffic that brings one row per turn', () => {
    assert.equal(worthWaiting(10, 1, 1), true);
  });

  it('stops waiting once half the expected rows are queued, and when a burst came in one turn', () => {
    assert.equal(worthWaiting(10, 4, 1), true);
    assert.equal(worthWaiting(10, 5, 1), true);
    assert.equal(worthWaiting(10, 6, 1), false);
    assert.equal(worthWaiting(10, 40, 1), false);
  });
});

describe('the run cost a policy learns', () => {
  it('knows nothing from runs of one size', () => {
    const cost = new RunCost();
    for (let i = 0; i < 10; i++) cost.add(1, 0.2);
    assert.equal(cost.estimate(), undefined);
  });

  it('fits the fixed and per-row cost from runs of several sizes', () => {
    const cost = new RunCost();
    for (const rows of [1, 3, 8, 32, 256]) cost.add(rows, champion(rows));
    const fit = cost.estimate()!;
    assert.ok(
      Math.abs(fit.fixedMs - 0.15) < 1e-9 && Math.abs(fit.perRowMs - 0.05) < 1e-9,
      JSON.stringify(fit),
    );
  });

  it('keeps the slope while traffic makes runs of one size only', () => {
    const cost = new RunCost();
    cost.add(32, champion(32));
    for (let i = 0; i < 1000; i++) cost.add(1, champion(1));
    const fit = cost.estimate()!;
    assert.ok(Math.abs(fit.perRowMs - 0.05) < 1e-9, JSON.stringify(fit));
  });

  it('never answers a negative cost from a noisy fit', () => {
    const falling = new RunCost();
    falling.add(1, 0.3);
    falling.add(32, 0.2);
    assert.deepEqual(falling.estimate(), { fixedMs: 0.25, perRowMs: 0 });
    const steep = new RunCost();
    steep.add(1, 0.01);
    steep.add(32, 3.2);
    const fit = steep.estimate()!;
    assert.equal(fit.fixedMs, 0);
    assert.ok(fit.perRowMs > 0);
  });
});

describe('the adaptive policy', () => {
  it('does not wait before it knows the run cost, or when the wait is off', () => {
    assert.equal(steady(new AdaptivePolicy(1, 1024), 10_000, 100).wait, 0);
    assert.equal(steady(calibrated(champion, 0), 10_000, 100).wait, 0);
  });

  it('waits for the batch that makes the fixed cost a quarter of a row’s: 4 × 150 / 50 = 12 rows', () => {
    assert.equal(calibrated().targetRows(), 12);
  });

  it('never waits under light traffic', () => {
    // 1,000 rows/s × 200 µs a row run alone: 20 % of a core, under LIGHT_LOAD.
    assert.ok(1 * champion(1) < LIGHT_LOAD);
    assert.equal(steady(calibrated(), 1000, 200).wait, 0);
  });

  it('does not wait when no other row is expected within the longest wait, however costly the model', () => {
    // 300 rows/s × 1 ms run alone: 30 % of a core, but 0.3 rows expected in a 1 ms wait.
    const slow = (rows: number) => 0.8 + 0.2 * rows;
    assert.equal(steady(calibrated(slow), 300, 100).wait, 0);
    // With a 5 ms cap, 1.5 rows are expected: worth it.
    assert.ok(steady(calibrated(slow, 5), 300, 100).wait > 0);
  });

  it('at 3,000 rows/s waits as long as the rate needs to bring the batch, at most its cap', () => {
    const policy = calibrated();
    // 11 more rows at 3 a millisecond take 3.7 ms: capped at 1 ms.
    assert.equal(steady(policy, 3000, 300).wait, 1);
    const generous = calibrated(champion, 10);
    const { now } = steady(generous, 3000, 300);
    const wait = generous.admit(1, now + 1000 / 3000);
    assert.ok(Math.abs(wait - 11 / 3) < 0.2, `waits ${wait} ms`);
  });

  it('runs a batch at the end of its turn once it has the rows it waited for', () => {
    const policy = calibrated();
    const { now } = steady(policy, 20_000, 2000);
    assert.ok(policy.admit(11, now + 0.05) > 0);
    assert.equal(policy.admit(12, now + 0.1), 0);
    assert.equal(policy.admit(40, now + 0.15), 0);
  });

  it('waits for bigger batches when the fixed cost weighs more, smaller when rows dominate', () => {
    assert.equal(calibrated((rows) => 0.03 + 0.004 * rows).targetRows(), 30);
    assert.equal(calibrated((rows) => 0.01 + 0.05 * rows).targetRows(), 1);
    assert.equal(
      steady(
        calibrated((rows) => 0.01 + 0.05 * rows),
        20_000,
        2000,
      ).wait,
      0,
    );
  });

  it('stops waiting at once when traffic stops', () => {
    const policy = calibrated();
    const { now } = steady(policy, 10_000, 1000);
    assert.equal(policy.admit(1, now + 5000), 0);
  });
});

describe('choosing a policy by name', () => {
  it('makes the adaptive or the rate-window policy', () => {
    assert.ok(batchPolicy('adaptive', 1, 1024) instanceof AdaptivePolicy);
    assert.ok(batchPolicy('rate', 1, 1024) instanceof RateWindowPolicy);
  });
});
