import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fitGradientBoosting,
  fitRandomForest,
  fitRandomForestParallel,
  modelFromJson,
  modelToJson,
  predict,
  predictIndex,
  predictProba,
} from '../src/index.ts';
import { separable } from './fixtures.ts';

const { x, y } = separable();

function accuracy(pred: Uint8Array, truth: Uint8Array): number {
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (pred[i] === truth[i]) ok++;
  return ok / truth.length;
}

describe('training on a tiny separable data set', () => {
  it('gradient boosting reaches 100% training accuracy', () => {
    const model = fitGradientBoosting(x, y, { rounds: 20, maxLeaves: 8, minSamplesLeaf: 2 });
    assert.equal(accuracy(predictIndex(model, x), y), 1);
    assert.deepEqual([...predict(model, x).slice(0, 7)], [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(model.trees.length, 20 * 7);
  });

  it('random forest reaches 100% training accuracy and probabilities sum to 1', () => {
    const model = fitRandomForest(x, y, { nEstimators: 10, seed: 1 });
    assert.equal(accuracy(predictIndex(model, x), y), 1);
    const p = predictProba(model, x);
    for (let r = 0; r < x.rows; r++) {
      let sum = 0;
      for (let k = 0; k < 7; k++) sum += p[r * 7 + k]!;
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
    }
  });

  it('max depth limits the trees', () => {
    const model = fitRandomForest(x, y, { nEstimators: 3, maxDepth: 2 });
    for (const t of model.trees) assert.ok(t.feature.length <= 7, `tree has ${t.feature.length} nodes`);
    const gb = fitGradientBoosting(x, y, { rounds: 2, maxDepth: 1, maxLeaves: 31, minSamplesLeaf: 1 });
    for (const t of gb.trees) assert.equal(t.feature.length, 3);
  });
});

describe('reproducibility', () => {
  it('a fixed seed gives identical models; another seed a different one', () => {
    const params = { rounds: 10, maxLeaves: 6, subsample: 0.7, minSamplesLeaf: 2, seed: 5 };
    const a = modelToJson(fitGradientBoosting(x, y, params));
    assert.deepEqual(modelToJson(fitGradientBoosting(x, y, params)), a);
    assert.notDeepEqual(modelToJson(fitGradientBoosting(x, y, { ...params, seed: 6 })), a);
    const rf = modelToJson(fitRandomForest(x, y, { nEstimators: 5, seed: 9 }));
    assert.deepEqual(modelToJson(fitRandomForest(x, y, { nEstimators: 5, seed: 9 })), rf);
    assert.notDeepEqual(modelToJson(fitRandomForest(x, y, { nEstimators: 5, seed: 10 })), rf);
  });

  it('a forest grown on worker threads equals the single-threaded one', async () => {
    const params = { nEstimators: 6, seed: 3 };
    const parallel = await fitRandomForestParallel(x, y, params, { workers: 2 });
    assert.deepEqual(modelToJson(parallel), modelToJson(fitRandomForest(x, y, params)));
  });
});

describe('JSON serialisation', () => {
  it('round-trips a model exactly', () => {
    const model = fitGradientBoosting(x, y, { rounds: 5, maxLeaves: 4, minSamplesLeaf: 2 });
    const back = modelFromJson(JSON.parse(JSON.stringify(modelToJson(model))));
    assert.deepEqual(predictProba(back, x), predictProba(model, x));
    assert.deepEqual(modelToJson(back), modelToJson(model));
  });

  it('names what is wrong with a file that is not a model', () => {
    assert.throws(
      () => modelFromJson({ format: 'other' }),
      /not a covertype-tree-ensemble v1 model: format is "other"/,
    );
    const json = modelToJson(fitRandomForest(x, y, { nEstimators: 1 }));
    json.trees[0]!.left = [];
    assert.throws(() => modelFromJson(json), /tree 0: left has 0 entries/);
  });
});

describe('parameter and data checks', () => {
  it('rejects bad parameters with the name, the value and what is expected', () => {
    assert.throws(
      () => fitGradientBoosting(x, y, { learningRate: 0 }),
      /learningRate = 0 is invalid; expected a number > 0/,
    );
    assert.throws(() => fitGradientBoosting(x, y, { subsample: 1.5 }), /subsample = 1.5 is invalid/);
    assert.throws(() => fitRandomForest(x, y, { maxFeatures: 0 }), /maxFeatures = 0 is invalid/);
    assert.throws(() => fitRandomForest(x, y.subarray(1)), /got 83 labels for 84 rows/);
    assert.throws(
      () => fitRandomForest(x, new Uint8Array(84).fill(9)),
      /label index 9 at row 0 is not a class index 0..6/,
    );
  });
});
