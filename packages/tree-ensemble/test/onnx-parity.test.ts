import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeLabels,
  encodeRows,
  exportOnnx,
  fitGradientBoosting,
  fitRandomForest,
  predict,
  predictProba,
  stratifiedSplit,
  type TreeEnsembleModel,
  takeLabels,
  takeRows,
} from '../src/index.ts';
import { loadRows, runOnnx, toModelColumns } from './helper.ts';

const rows = loadRows(6000);
const x = encodeRows(rows);
const y = encodeLabels(rows);
const split = stratifiedSplit(y, 0.25, 42);
const xtrain = takeRows(x, split.train);
const ytrain = takeLabels(y, split.train);
const testRows = Array.from(split.test, (i) => rows[i]!);
const xtest = encodeRows(testRows);

async function assertParity(model: TreeEnsembleModel) {
  const labels = predict(model, xtest);
  const proba = predictProba(model, xtest);
  const onnx = await runOnnx(exportOnnx(model), toModelColumns(testRows));
  assert.equal(onnx.label.length, testRows.length);
  assert.equal(onnx.probabilities.length, testRows.length * 7);
  let differentLabels = 0;
  let maxDiff = 0;
  for (let i = 0; i < testRows.length; i++) {
    if (Number(onnx.label[i]) !== labels[i]) differentLabels++;
    for (let k = 0; k < 7; k++) {
      maxDiff = Math.max(maxDiff, Math.abs(onnx.probabilities[i * 7 + k]! - proba[i * 7 + k]!));
    }
  }
  assert.equal(differentLabels, 0, `${differentLabels} of ${testRows.length} labels differ`);
  assert.ok(maxDiff <= 1e-5, `probabilities differ by up to ${maxDiff}`);
  // The model must also be good, or parity would be trivially met by a constant model.
  let correct = 0;
  for (let i = 0; i < testRows.length; i++) if (labels[i] === testRows[i]!.Cover_Type) correct++;
  assert.ok(correct / testRows.length > 0.7, `accuracy ${correct / testRows.length}`);
}

describe('ONNX export parity with the TypeScript predictor (onnxruntime-node)', () => {
  it('gradient boosting: identical labels, probabilities within 1e-5 on the whole test split', async () => {
    await assertParity(
      fitGradientBoosting(xtrain, ytrain, { rounds: 30, maxLeaves: 15, subsample: 0.8, seed: 1 }),
    );
  });

  it('random forest: identical labels, probabilities within 1e-5 on the whole test split', async () => {
    await assertParity(fitRandomForest(xtrain, ytrain, { nEstimators: 20, seed: 1 }));
  });

  it('keeps the I/O contract: label int64 Cover_Type 1..7 and probabilities summing to 1', async () => {
    const model = fitGradientBoosting(xtrain, ytrain, { rounds: 3, maxLeaves: 4 });
    const onnx = await runOnnx(exportOnnx(model), toModelColumns(testRows.slice(0, 50)));
    assert.ok(onnx.label instanceof BigInt64Array);
    for (const label of onnx.label) assert.ok(label >= 1n && label <= 7n);
    for (let i = 0; i < 50; i++) {
      let sum = 0;
      for (let k = 0; k < 7; k++) sum += onnx.probabilities[i * 7 + k]!;
      assert.ok(Math.abs(sum - 1) < 1e-5);
    }
  });
});
