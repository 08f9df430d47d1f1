import type { FeatureMatrix } from './features.ts';
import { type ClassificationMetrics, classificationMetrics } from './metrics.ts';
import { predictRaw, softmaxRows, type TreeEnsembleModel } from './model.ts';

/** Scores a model on a matrix and its class indexes (y = Cover_Type − 1 for covertype). */
export function evaluate(
  model: TreeEnsembleModel,
  x: FeatureMatrix,
  y: ArrayLike<number>,
): ClassificationMetrics {
  const K = model.classLabels.length;
  const scores = predictRaw(model, x);
  const predicted = new Uint8Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (scores[r * K + k]! > scores[r * K + best]!) best = k;
    predicted[r] = best;
  }
  if (model.postTransform === 'SOFTMAX') softmaxRows(scores, K);
  return classificationMetrics(y, predicted, model.classLabels, scores);
}
