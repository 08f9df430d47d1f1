export interface ClassMetrics {
  label: number;
  precision: number;
  recall: number;
  f1: number;
  /** Rows of this class in the truth. */
  support: number;
}

export interface ClassificationMetrics {
  rows: number;
  accuracy: number;
  macroF1: number;
  /** Mean negative log-likelihood of the true class (probabilities clipped to 1e-15); null without probabilities. */
  logLoss: number | null;
  perClass: ClassMetrics[];
  /** confusion[true][predicted], in label order. */
  confusion: number[][];
  labels: number[];
}

/**
 * Scores predictions against the truth. `truth` and `predicted` hold class indexes 0..K-1;
 * `proba` (optional) is [rows × K] in the same class order. Precision of a class never predicted
 * and recall of a class absent from the truth are 0 (scikit-learn's zero_division=0).
 */
export function classificationMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: readonly number[],
  proba?: ArrayLike<number>,
): ClassificationMetrics {
  const K = labels.length;
  const n = truth.length;
  if (predicted.length !== n)
    throw new RangeError(`got ${predicted.length} predictions for ${n} true labels`);
  if (proba && proba.length !== n * K) {
    throw new RangeError(`got ${proba.length} probabilities, expected rows × classes = ${n * K}`);
  }
  const confusion = labels.map(() => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    if (!(t >= 0 && t < K && p >= 0 && p < K)) {
      throw new RangeError(`row ${i}: class index ${t} / ${p} is outside 0..${K - 1}`);
    }
    confusion[t]![p]!++;
    if (t === p) correct++;
  }
  const perClass: ClassMetrics[] = labels.map((label, k) => {
    const tp = confusion[k]![k]!;
    let predictedK = 0;
    let support = 0;
    for (let j = 0; j < K; j++) {
      predictedK += confusion[j]![k]!;
      support += confusion[k]![j]!;
    }
    const precision = predictedK === 0 ? 0 : tp / predictedK;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  let logLoss: number | null = null;
  if (proba) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, proba[i * K + truth[i]!]!));
      total -= Math.log(p);
    }
    logLoss = n === 0 ? 0 : total / n;
  }
  return {
    rows: n,
    accuracy: n === 0 ? 0 : correct / n,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / K,
    logLoss,
    perClass,
    confusion,
    labels: [...labels],
  };
}
