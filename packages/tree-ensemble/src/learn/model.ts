import type { FeatureMatrix } from './features.ts';

/**
 * One decision tree as flat parallel arrays, in the node order the ONNX exporter writes (root = 0).
 * A branch sends x to `left` when x <= threshold (float32), or when x is NaN and missingLeft is 1.
 */
export interface Tree {
  /** Feature compared at each node; -1 marks a leaf. */
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  /** Boosting: the one class this tree votes for. Forests: -1, each leaf votes for every class. */
  classId: number;
  /** Leaf weights: one per node (classId >= 0) or nClasses per node (classId = -1); 0 on branches. */
  values: Float32Array;
}

export type ModelKind = 'gradient-boosting' | 'random-forest';

export interface TreeEnsembleModel {
  kind: ModelKind;
  /** The label of each class index (Cover_Type 1..7). */
  classLabels: number[];
  featureNames: string[];
  /** Added to the summed votes (boosting: the log prior of each class; forests: zeros). */
  baseValues: number[];
  /** SOFTMAX turns boosting margins into probabilities; forests vote averaged probabilities (NONE). */
  postTransform: 'SOFTMAX' | 'NONE';
  trees: Tree[];
  /** The hyperparameters the model was trained with, for the record. */
  params: Record<string, unknown>;
  /** Boosting with early stopping: rounds kept. */
  rounds?: number;
}

/** Index of the leaf a row reaches, comparing in float32 exactly as onnxruntime does. */
export function leafIndex(tree: Tree, x: Float32Array, offset: number): number {
  const { feature, threshold, left, right, missingLeft } = tree;
  let node = 0;
  let f = feature[0]!;
  while (f >= 0) {
    const v = x[offset + f]!;
    node = v <= threshold[node]! || (Number.isNaN(v) && missingLeft[node] === 1) ? left[node]! : right[node]!;
    f = feature[node]!;
  }
  return node;
}

/**
 * Raw scores [rows × classes] (summed leaf votes + base values), accumulated in float32 in tree order
 * like onnxruntime's TreeEnsembleClassifier, so labels agree even on near ties.
 */
export function predictRaw(model: TreeEnsembleModel, x: FeatureMatrix): Float64Array {
  const k = model.classLabels.length;
  const out = new Float64Array(x.rows * k);
  const cols = x.cols;
  const trees = model.trees;
  const base = model.baseValues.map((b) => Math.fround(b));
  for (let r = 0; r < x.rows; r++) {
    const o = r * k;
    for (let t = 0; t < trees.length; t++) {
      const tree = trees[t]!;
      const leaf = leafIndex(tree, x.values, r * cols);
      if (tree.classId >= 0) {
        out[o + tree.classId] = Math.fround(out[o + tree.classId]! + tree.values[leaf]!);
      } else {
        const vo = leaf * k;
        for (let c = 0; c < k; c++) {
          const w = tree.values[vo + c]!;
          if (w !== 0) out[o + c] = Math.fround(out[o + c]! + w);
        }
      }
    }
    for (let c = 0; c < k; c++) out[o + c] = Math.fround(out[o + c]! + base[c]!);
  }
  return out;
}

/** Class probabilities [rows × classes] in classLabels order. */
export function predictProba(model: TreeEnsembleModel, x: FeatureMatrix): Float64Array {
  const raw = predictRaw(model, x);
  if (model.postTransform === 'SOFTMAX') softmaxRows(raw, model.classLabels.length);
  return raw;
}

/** Predicted class labels (Cover_Type), the arg-max of the raw scores (first index wins ties). */
export function predict(model: TreeEnsembleModel, x: FeatureMatrix): Int32Array {
  return argmaxLabels(predictRaw(model, x), model.classLabels);
}

/** Predicted class indices 0..K-1. */
export function predictIndex(model: TreeEnsembleModel, x: FeatureMatrix): Uint8Array {
  const raw = predictRaw(model, x);
  const k = model.classLabels.length;
  const out = new Uint8Array(x.rows);
  for (let r = 0; r < x.rows; r++) out[r] = argmax(raw, r * k, k);
  return out;
}

export function argmaxLabels(scores: Float64Array, labels: readonly number[]): Int32Array {
  const k = labels.length;
  const n = scores.length / k;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) out[r] = labels[argmax(scores, r * k, k)]!;
  return out;
}

function argmax(a: Float64Array, o: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (a[o + c]! > a[o + best]!) best = c;
  return best;
}

export function softmaxRows(a: Float64Array, k: number): void {
  for (let o = 0; o < a.length; o += k) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, a[o + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(a[o + c]! - max);
      a[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) a[o + c] = a[o + c]! / sum;
  }
}

/** Node and leaf counts, for logs and the README's model-size figures. */
export function modelStats(model: TreeEnsembleModel): { trees: number; nodes: number; leaves: number } {
  let nodes = 0;
  let leaves = 0;
  for (const t of model.trees) {
    nodes += t.feature.length;
    for (const f of t.feature) if (f < 0) leaves++;
  }
  return { trees: model.trees.length, nodes, leaves };
}
