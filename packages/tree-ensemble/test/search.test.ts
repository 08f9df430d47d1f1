import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_SEARCH,
  expandCandidates,
  getPreset,
  modelToJson,
  predictIndex,
  runSearch,
  type SearchPreset,
  WORKSHOP_GB,
  WORKSHOP_RF,
} from '../src/index.ts';
import { separable } from './fixtures.ts';

describe('search presets', () => {
  it('the workshop grids have 27 (forest) and 36 (boosting) candidates with the workshop values', () => {
    const rf = expandCandidates(WORKSHOP_RF, 1);
    assert.equal(rf.length, 27);
    assert.deepEqual([...new Set(rf.map((c) => c.nEstimators))], [33, 66, 200]);
    assert.deepEqual([...new Set(rf.map((c) => c.maxDepth))], [2, 4, 6]);
    assert.deepEqual([...new Set(rf.map((c) => c.maxFeatures))], [3, 4, 5]);
    const gb = expandCandidates(WORKSHOP_GB, 1);
    assert.equal(gb.length, 36);
    assert.deepEqual([...new Set(gb.map((c) => c.rounds))], [100, 200]);
    assert.deepEqual([...new Set(gb.map((c) => c.learningRate))], [0.01, 0.1, 0.2]);
    assert.deepEqual([...new Set(gb.map((c) => c.maxDepth))], [3, 4, 5]);
    assert.deepEqual([...new Set(gb.map((c) => c.subsample))], [0.8, 1.0]);
    assert.ok(gb.every((c) => c.maxLeaves === 2 ** (c.maxDepth as number)));
  });

  it('random search draws are reproducible from the seed', () => {
    const a = expandCandidates(DEFAULT_SEARCH, 7);
    assert.equal(a.length, 12);
    assert.deepEqual(expandCandidates(DEFAULT_SEARCH, 7), a);
    assert.notDeepEqual(expandCandidates(DEFAULT_SEARCH, 8), a);
    for (const c of a) assert.ok((c.learningRate as number) >= 0.05 && (c.learningRate as number) <= 0.3);
  });

  it('names the presets that exist when asked for an unknown one', () => {
    assert.throws(
      () => getPreset('nope'),
      /unknown search preset "nope"; expected one of workshop-rf, workshop-gb/,
    );
  });
});

describe('runSearch', () => {
  const { x, y } = separable(20);
  const preset: SearchPreset = {
    name: 'test-rf',
    description: 'small forest grid',
    family: 'random-forest',
    folds: 2,
    scoring: 'accuracy',
    fixed: { maxFeatures: null },
    grid: { nEstimators: [3, 9], maxDepth: [1, null] },
  };

  it('returns every candidate with fold scores and ranks, and refits the best', async () => {
    const result = await runSearch(preset, x, y, { workers: 1, seed: 3 });
    assert.equal(result.candidates.length, 4);
    assert.deepEqual(result.candidates.map((c) => c.rank).sort(), [1, 2, 3, 4]);
    for (const c of result.candidates) {
      assert.equal(c.folds.length, 2);
      assert.equal(c.params.seed, 3);
    }
    // Depth-1 trees cannot separate 7 classes; full-depth ones can.
    assert.equal(result.best.params.maxDepth, null);
    assert.ok(result.best.mean.accuracy > 0.8, `best CV accuracy ${result.best.mean.accuracy}`);
    assert.ok(result.bestModel);
    assert.equal(result.bestModel.trees.length, result.best.params.nEstimators);
    let ok = 0;
    const pred = predictIndex(result.bestModel, x);
    for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
    assert.ok(ok >= 0.95 * y.length, `refit model: ${ok} of ${y.length} training rows right`);
  });

  it('gives the same results on worker threads as in one thread', async () => {
    const strip = (r: Awaited<ReturnType<typeof runSearch>>) =>
      r.candidates.map((c) => ({
        params: c.params,
        rank: c.rank,
        folds: c.folds.map(({ fitSeconds: _, ...s }) => s),
        model: c.model ? modelToJson(c.model) : null,
      }));
    const gbPreset: SearchPreset = {
      ...getPreset('quick'),
      fixed: { rounds: 4, maxLeaves: 4, minSamplesLeaf: 2 },
    };
    const sequential = await runSearch(gbPreset, x, y, { workers: 1, refit: 'all' });
    const parallel = await runSearch(gbPreset, x, y, { workers: 2, refit: 'all' });
    assert.deepEqual(strip(parallel), strip(sequential));
    assert.equal(sequential.candidates.filter((c) => c.model).length, 2);
  });

  it('halving: every candidate on a third of the rows, the best third on all of them, ranked first', async () => {
    const data = separable(60);
    const halving: SearchPreset = {
      name: 'test-halving',
      description: 'six boosting candidates, two rungs',
      family: 'gradient-boosting',
      folds: 2,
      scoring: 'accuracy',
      fixed: { rounds: 15, minSamplesLeaf: 1 },
      grid: { learningRate: [0.05, 0.3], maxLeaves: [2, 4, 16] },
      halving: { factor: 3, rungs: 2 },
    };
    const fits: [number, number][] = [];
    const result = await runSearch(halving, data.x, data.y, {
      workers: 2,
      seed: 3,
      onProgress: (done, total) => fits.push([done, total]),
    });
    // 6 candidates × 2 folds, then 2 × 2 folds, then the refit.
    assert.equal(fits.length, 6 * 2 + 2 * 2 + 1);
    assert.deepEqual(fits.at(-1), [17, 17]);
    const rungs = result.candidates.map((c) => c.rung);
    assert.equal(rungs.filter((r) => r === 1).length, 2);
    assert.equal(rungs.filter((r) => r === 0).length, 4);
    const byRank = [...result.candidates].sort((a, b) => a.rank - b.rank);
    assert.deepEqual(
      byRank.map((c) => c.rung),
      [1, 1, 0, 0, 0, 0],
    );
    assert.equal(result.best.rung, 1);
    // Candidates of a rung are ranked by their score.
    for (let i = 1; i < byRank.length; i++) {
      if (byRank[i]!.rung === byRank[i - 1]!.rung)
        assert.ok(byRank[i]!.mean.accuracy <= byRank[i - 1]!.mean.accuracy);
    }
    const again = await runSearch(halving, data.x, data.y, { workers: 1, seed: 3 });
    assert.deepEqual(
      again.candidates.map((c) => [c.rung, c.rank, c.mean.accuracy]),
      result.candidates.map((c) => [c.rung, c.rank, c.mean.accuracy]),
    );
    assert.deepEqual(modelToJson(again.bestModel!), modelToJson(result.bestModel!));
  });

  it('stops at once when its signal aborts: rejects with the reason, workers terminated', async () => {
    // Far more work than the test's time: only the abort can end it.
    const endless: SearchPreset = {
      name: 'endless',
      description: 'boosting that would run for hours',
      family: 'gradient-boosting',
      folds: 2,
      scoring: 'accuracy',
      fixed: { rounds: 1_000_000, maxLeaves: 31, minSamplesLeaf: 1 },
      grid: { learningRate: [0.1, 0.2] },
    };
    const controller = new AbortController();
    const reason = new Error('task train-gradient-boosting timed out');
    setTimeout(() => controller.abort(reason), 300);
    const started = performance.now();
    await assert.rejects(runSearch(endless, x, y, { workers: 2, signal: controller.signal }), reason);
    assert.ok(performance.now() - started < 5000);
    await assert.rejects(runSearch(endless, x, y, { workers: 2, signal: controller.signal }), reason);
  });

  it('refits the best forest on all workers with the same result as one thread', async () => {
    const one = await runSearch(preset, x, y, { workers: 1, seed: 4 });
    const two = await runSearch(preset, x, y, { workers: 2, seed: 4 });
    assert.deepEqual(modelToJson(two.bestModel!), modelToJson(one.bestModel!));
  });
});
