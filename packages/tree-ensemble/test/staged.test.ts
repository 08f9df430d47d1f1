import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_SEARCH,
  encodeLabels,
  encodeRows,
  evaluate,
  expandCandidates,
  fitGradientBoosting,
  fitModel,
  fitRandomForest,
  fitStaged,
  groupByTreeCount,
  modelToJson,
  predictProba,
  runSearch,
  type SearchPreset,
  type SearchResult,
  stratifiedKFold,
  takeLabels,
  takeRows,
  WORKSHOP_GB,
  WORKSHOP_RF,
} from '../src/index.ts';
import { runTask } from '../src/search/tasks.ts';
import { loadRows } from './helper.ts';

// Real covertype rows: models of different sizes score differently on them, unlike a separable toy set.
const rows = loadRows(1200);
const x = encodeRows(rows);
const y = encodeLabels(rows);

describe('groupByTreeCount', () => {
  it('pairs the workshop boosting grid by rounds and the forest grid by nEstimators', () => {
    const gb = expandCandidates(WORKSHOP_GB, 1);
    const gbGroups = groupByTreeCount('gradient-boosting', gb);
    assert.equal(gbGroups.length, 18);
    for (const g of gbGroups) {
      assert.deepEqual(
        g.map((i) => gb[i]!.rounds),
        [100, 200],
      );
      const [a, b] = g.map((i) => ({ ...gb[i]!, rounds: 0 }));
      assert.deepEqual(a, b);
    }
    const rf = expandCandidates(WORKSHOP_RF, 1);
    const rfGroups = groupByTreeCount('random-forest', rf);
    assert.equal(rfGroups.length, 9);
    for (const g of rfGroups) {
      assert.deepEqual(
        g.map((i) => rf[i]!.nEstimators),
        [33, 66, 200],
      );
    }
  });

  it('leaves early-stopping candidates alone (the rounds kept depend on later rounds)', () => {
    const draws = expandCandidates(DEFAULT_SEARCH, 1);
    const twins = [draws[0]!, { ...draws[0]!, rounds: 100 }];
    assert.deepEqual(groupByTreeCount('gradient-boosting', twins), [[0], [1]]);
    assert.deepEqual(
      groupByTreeCount('gradient-boosting', [
        { rounds: 5, learningRate: 0.1 },
        { rounds: 9, learningRate: 0.2 },
        { rounds: 9, learningRate: 0.1 },
      ]),
      [[0, 2], [1]],
    );
  });
});

describe('fitStaged', () => {
  it('boosting: the first rounds of a longer fit are the shorter model, bit for bit', () => {
    // Subsampling draws from the seeded Rng every round: a wrong cut or a round-dependent draw shows here.
    const params = {
      rounds: 12,
      maxLeaves: 8,
      minSamplesLeaf: 5,
      subsample: 0.8,
      learningRate: 0.3,
      seed: 7,
    };
    const staged = fitStaged('gradient-boosting', x, y, params);
    for (const rounds of [1, 5, 12]) {
      const direct = fitGradientBoosting(x, y, { ...params, rounds });
      const cut = staged.modelAt(rounds);
      assert.deepEqual(modelToJson(cut), modelToJson(direct));
      assert.deepEqual(predictProba(cut, x), predictProba(direct, x));
    }
    assert.notDeepEqual(predictProba(staged.modelAt(5), x), predictProba(staged.modelAt(12), x));
  });

  it('forest: the first trees of a larger forest, rescaled, are the smaller forest, bit for bit', () => {
    const params = { nEstimators: 9, maxDepth: 6, maxFeatures: 4, seed: 3 };
    const staged = fitStaged('random-forest', x, y, params);
    for (const nEstimators of [1, 4, 9, 4]) {
      const direct = fitRandomForest(x, y, { ...params, nEstimators });
      const cut = staged.modelAt(nEstimators);
      assert.deepEqual(modelToJson(cut), modelToJson(direct));
      assert.deepEqual(predictProba(cut, x), predictProba(direct, x));
    }
    assert.notDeepEqual(predictProba(staged.modelAt(4), x), predictProba(staged.modelAt(9), x));
  });

  it('times each count within the shared fit and refuses counts it did not grow', () => {
    const staged = fitStaged('random-forest', x, y, { nEstimators: 4, maxDepth: 3 });
    assert.ok(staged.secondsAt(1) > 0 && staged.secondsAt(1) <= staged.secondsAt(4));
    assert.throws(() => staged.modelAt(5), /tree count 5 is outside the staged fit's 1..4/);
    assert.throws(
      () => fitStaged('gradient-boosting', x, y, { rounds: 10, earlyStopping: true }),
      /cannot be staged/,
    );
  });

  it('a fold task refuses to share a fit between candidates that differ in more than tree count', () => {
    const [fold] = stratifiedKFold(y, 2, 1);
    const task = {
      type: 'cv-fold' as const,
      family: 'gradient-boosting' as const,
      candidates: [
        { rounds: 2, maxLeaves: 4 },
        { rounds: 3, maxLeaves: 8 },
      ],
      x,
      y,
      train: fold!.train,
      test: fold!.test,
      classLabels: [1, 2, 3, 4, 5, 6, 7],
    };
    assert.throws(() => runTask(task), /must differ only in their tree count/);
  });
});

describe('runSearch with shared fits', () => {
  const gbGrid: SearchPreset = {
    name: 'test-gb-staged',
    description: 'boosting grid with a rounds dimension',
    family: 'gradient-boosting',
    folds: 3,
    scoring: 'accuracy',
    fixed: { maxLeaves: 6, minSamplesLeaf: 5 },
    grid: { rounds: [3, 8], learningRate: [0.1, 0.3], subsample: [0.7, 1] },
  };
  const rfGrid: SearchPreset = {
    name: 'test-rf-staged',
    description: 'forest grid with an nEstimators dimension',
    family: 'random-forest',
    folds: 3,
    scoring: 'accuracy',
    grid: { nEstimators: [2, 5, 11], maxDepth: [3, 6] },
  };
  const withoutTimes = (r: SearchResult) =>
    r.candidates.map((c) => ({
      params: c.params,
      rank: c.rank,
      folds: c.folds.map(({ fitSeconds: _, ...s }) => s),
    }));

  for (const preset of [gbGrid, rfGrid]) {
    it(`${preset.family}: the same fold scores, ranks and best model as fitting every candidate`, async () => {
      const shared = await runSearch(preset, x, y, { workers: 2, seed: 5 });
      const alone = await runSearch(preset, x, y, { workers: 1, seed: 5, shareFits: false });
      assert.deepEqual(withoutTimes(shared), withoutTimes(alone));
      assert.deepEqual(modelToJson(shared.bestModel!), modelToJson(alone.bestModel!));

      // And against the plain definition: fit each candidate on each fold and evaluate it.
      const folds = stratifiedKFold(y, preset.folds, 5);
      for (const c of shared.candidates) {
        c.folds.forEach((score, f) => {
          const { train, test } = folds[f]!;
          const model = fitModel(preset.family, takeRows(x, train), takeLabels(y, train), c.params);
          const m = evaluate(model, takeRows(x, test), takeLabels(y, test));
          assert.deepEqual(
            { accuracy: score.accuracy, macroF1: score.macroF1, logLoss: score.logLoss },
            { accuracy: m.accuracy, macroF1: m.macroF1, logLoss: m.logLoss },
            `candidate ${c.index} fold ${f}`,
          );
        });
      }
      // The grid's tree counts must actually score differently here, or the test proves little.
      assert.ok(new Set(shared.candidates.map((c) => c.mean.logLoss)).size === shared.candidates.length);
    });
  }
});
