import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelInputRow } from '@covertype/schema';
import {
  encodeLabels,
  encodeRows,
  exportOnnx,
  FEATURE_NAMES,
  fitGradientBoosting,
  fitRandomForest,
  predict,
  predictProba,
  SOIL_FEATURE,
  type TreeEnsembleModel,
  WILDERNESS_FEATURE,
} from '../src/index.ts';
import { loadRows, runOnnx, toModelColumns } from './helper.ts';

const rows = loadRows(3000);
const x = encodeRows(rows);
const y = encodeLabels(rows);
const base = rows[0]!;
const odd: ModelInputRow[] = [
  { ...base, Wilderness_Area: '' },
  { ...base, Wilderness_Area: 'Mordor' },
  { ...base, Wilderness_Area: 'Comanche Peak Wilderness Area' },
  { ...base, Soil_Type: 0 },
  { ...base, Soil_Type: 9999 },
  { ...base, Wilderness_Area: '', Soil_Type: 0 },
  { ...base, Wilderness_Area: undefined, Soil_Type: undefined },
];

async function assertAgrees(model: TreeEnsembleModel) {
  const labels = predict(model, encodeRows(odd));
  const proba = predictProba(model, encodeRows(odd));
  const onnx = await runOnnx(exportOnnx(model), toModelColumns(odd));
  for (let i = 0; i < odd.length; i++) {
    assert.equal(Number(onnx.label[i]), labels[i], `row ${i}`);
    assert.ok(labels[i]! >= 1 && labels[i]! <= 7);
    for (let k = 0; k < 7; k++)
      assert.ok(Math.abs(onnx.probabilities[i * 7 + k]! - proba[i * 7 + k]!) <= 1e-5);
  }
}

describe('categorical encoding', () => {
  it('codes wilderness by WILDERNESS_AREAS order (long names too), soil by its ELU code, unknown as NaN', () => {
    const m = encodeRows(odd);
    const at = (r: number, f: number) => m.values[r * FEATURE_NAMES.length + f]!;
    assert.ok(Number.isNaN(at(0, WILDERNESS_FEATURE)));
    assert.ok(Number.isNaN(at(1, WILDERNESS_FEATURE)));
    assert.equal(at(2, WILDERNESS_FEATURE), 2);
    assert.equal(at(0, SOIL_FEATURE), base.Soil_Type);
    assert.ok(Number.isNaN(at(3, SOIL_FEATURE)));
    assert.ok(Number.isNaN(at(4, SOIL_FEATURE)));
  });

  it('missing and unknown categories predict without error, and ONNX agrees (boosting)', async () => {
    await assertAgrees(fitGradientBoosting(x, y, { rounds: 10, maxLeaves: 15 }));
  });

  it('missing and unknown categories predict without error, and ONNX agrees (forest)', async () => {
    await assertAgrees(fitRandomForest(x, y, { nEstimators: 5, maxDepth: 8 }));
  });

  it('a category missing from the input follows the larger side of every split it meets', () => {
    // One tree, one split on wilderness: NaN must go where most training rows went.
    const model = fitGradientBoosting(x, y, { rounds: 1, maxLeaves: 2, minSamplesLeaf: 1 });
    for (const tree of model.trees) {
      if (tree.feature[0] !== WILDERNESS_FEATURE && tree.feature[0] !== SOIL_FEATURE) continue;
      const f = tree.feature[0]!;
      let left = 0;
      for (let r = 0; r < x.rows; r++) if (x.values[r * x.cols + f]! <= tree.threshold[0]!) left++;
      assert.equal(tree.missingLeft[0], left >= x.rows - left ? 1 : 0);
    }
  });

  it('learns where missing values go when the training data has them', async () => {
    // Hide the wilderness of every class-1 row: "missing" becomes informative.
    const withMissing = rows.map((r) => (r.Cover_Type === 1 ? { ...r, Wilderness_Area: '' } : r));
    const mx = encodeRows(withMissing);
    const model = fitGradientBoosting(mx, y, { rounds: 10, maxLeaves: 8 });
    const proba = predictProba(model, encodeRows([{ ...base, Wilderness_Area: '' }]));
    const probaKnown = predictProba(model, encodeRows([{ ...base, Wilderness_Area: 'Rawah' }]));
    assert.ok(proba[0]! > probaKnown[0]!, 'a missing wilderness should raise the class-1 probability');
    const onnx = await runOnnx(exportOnnx(model), toModelColumns([{ ...base, Wilderness_Area: '' }]));
    assert.ok(Math.abs(onnx.probabilities[0]! - proba[0]!) <= 1e-5);
  });
});
