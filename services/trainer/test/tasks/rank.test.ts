import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NonRetryableError } from '../../src/dag/run.ts';
import { rankCandidates } from '../../src/tasks/rank.ts';
import type { Candidate } from '../../src/tasks/train.ts';

const candidate = (search: string, cvAccuracy: number, usPerRowSingle: number, testAccuracy = 0.8) =>
  ({
    search,
    runId: `run-${search}`,
    cvAccuracy,
    testAccuracy,
    servingCost: { usPerRowSingle, usPerRowBatch: usPerRowSingle / 4, onnxBytes: 1000, trees: 10 },
  }) as Candidate;

describe('ranking candidates by accuracy, then serving cost', () => {
  const big = candidate('big', 0.9, 200);
  const small = candidate('small', 0.899, 40);
  const slow = candidate('slow', 0.85, 300);
  const tiny = candidate('tiny', 0.8, 10);
  const all = [slow, small, big, tiny];

  const cases: { tolerance: number; chosen: Candidate; why: string }[] = [
    { tolerance: 0, chosen: big, why: 'no tolerance: the most accurate, whatever it costs' },
    { tolerance: 0.0005, chosen: big, why: 'the cheaper one is further below the best than allowed' },
    { tolerance: 0.001, chosen: small, why: 'within the tolerance the cheapest wins' },
    { tolerance: 0.2, chosen: tiny, why: 'a wide tolerance admits the cheapest of all' },
  ];
  for (const { tolerance, chosen, why } of cases) {
    it(`tolerance ${tolerance}: ${chosen.search} (${why})`, () => {
      assert.equal(rankCandidates(all, tolerance).chosen, chosen);
    });
  }

  it('marks the Pareto front: candidates no other beats on both accuracy and cost, cheapest first', () => {
    const ranking = rankCandidates(all, 0);
    assert.deepEqual(
      ranking.front.map((c) => c.search),
      ['tiny', 'small', 'big'],
      'slow is less accurate and dearer than big',
    );
    assert.equal(ranking.mostAccurate, big);
  });

  it('breaks a tie in CV accuracy with test accuracy when there is no tolerance', () => {
    const a = candidate('a', 0.9, 10, 0.8);
    const b = candidate('b', 0.9, 100, 0.85);
    assert.equal(rankCandidates([a, b]).chosen, b);
  });

  it('refuses an empty list as a non-retryable failure', () => {
    assert.throws(() => rankCandidates([]), NonRetryableError);
  });
});
