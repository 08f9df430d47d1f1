import { FEATURE_NAMES, type FeatureMatrix } from './features.ts';
import { checkData } from './gradient-boosting.ts';
import type { Tree, TreeEnsembleModel } from './model.ts';
import { deriveSeed, Rng } from './random.ts';
import { TreeBuilder } from './tree-builder.ts';
import { fitValueCodes, type ValueCodes } from './value-codes.ts';

export interface RandomForestParams {
  nEstimators: number;
  /** Depth limit (root = 0); null grows until leaves are pure or too small. */
  maxDepth: number | null;
  /** Features tried per split: a count, 'sqrt', 'log2', or null for all. */
  maxFeatures: number | 'sqrt' | 'log2' | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Draw each tree's rows with replacement (n draws) rather than using every row once. */
  bootstrap: boolean;
  seed: number;
}

export const RANDOM_FOREST_DEFAULTS: RandomForestParams = {
  nEstimators: 100,
  maxDepth: null,
  maxFeatures: 'sqrt',
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  bootstrap: true,
  seed: 0,
};

const DEFAULT_LABELS = [1, 2, 3, 4, 5, 6, 7] as const;

export interface ForestFitOptions {
  classLabels?: readonly number[];
  featureNames?: readonly string[];
}

/** A random forest of Gini trees on exact feature values; probabilities are the mean of the trees' leaves. */
export function fitRandomForest(
  x: FeatureMatrix,
  y: Uint8Array,
  params: Partial<RandomForestParams> = {},
  options: ForestFitOptions = {},
): TreeEnsembleModel {
  const grown = growForestTrees(x, y, params, options);
  return assembleForest(grown.trees, grown.params, grown.classLabels, options.featureNames);
}

/**
 * The trees of a forest before assembleForest scales them (leaves hold class frequencies), grown in
 * index order; `onTree(t)` is called after tree t. Any prefix of n trees, assembled, is the n-tree forest.
 */
export function growForestTrees(
  x: FeatureMatrix,
  y: Uint8Array,
  params: Partial<RandomForestParams> = {},
  options: ForestFitOptions & { onTree?: (t: number) => void } = {},
): { trees: Tree[]; params: RandomForestParams; classLabels: number[] } {
  const p = checkForestParams({ ...RANDOM_FOREST_DEFAULTS, ...params });
  const labels = [...(options.classLabels ?? DEFAULT_LABELS)];
  checkData(x, y, labels.length);
  const codes = fitValueCodes(x);
  const trees: Tree[] = [];
  for (let t = 0; t < p.nEstimators; t++) {
    trees.push(fitForestTree(codes, y, labels.length, p, t));
    options.onTree?.(t);
  }
  return { trees, params: p, classLabels: labels };
}

/** Scales each tree's leaf probabilities by 1/nTrees, so summed votes are the mean probability. */
export function assembleForest(
  trees: Tree[],
  p: RandomForestParams,
  labels: number[],
  featureNames?: readonly string[],
): TreeEnsembleModel {
  const scale = 1 / trees.length;
  for (const tree of trees) {
    for (let i = 0; i < tree.values.length; i++) tree.values[i] = Math.fround(tree.values[i]! * scale);
  }
  return {
    kind: 'random-forest',
    classLabels: labels,
    featureNames: [...(featureNames ?? FEATURE_NAMES)],
    baseValues: labels.map(() => 0),
    postTransform: 'NONE',
    trees,
    params: { ...p },
  };
}

export function resolveMaxFeatures(maxFeatures: RandomForestParams['maxFeatures'], cols: number): number {
  if (maxFeatures === null) return cols;
  if (maxFeatures === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(cols)));
  if (maxFeatures === 'log2') return Math.max(1, Math.floor(Math.log2(cols)));
  return Math.min(cols, maxFeatures);
}

/** Grows tree number `t` of a forest; its randomness depends only on (seed, t), not on which worker runs it. */
export function fitForestTree(
  data: ValueCodes,
  y: Uint8Array,
  K: number,
  p: RandomForestParams,
  t: number,
): Tree {
  const rng = new Rng(deriveSeed(p.seed, t));
  const n = data.rows;
  const F = data.cols;
  const weight = new Float64Array(n);
  if (p.bootstrap) {
    for (let i = 0; i < n; i++) weight[rng.int(n)]!++;
  } else weight.fill(1);
  let m = 0;
  const index = new Uint32Array(n);
  for (let r = 0; r < n; r++) if (weight[r]! > 0) index[m++] = r;

  const mf = resolveMaxFeatures(p.maxFeatures, F);
  const maxDepth = p.maxDepth ?? Number.POSITIVE_INFINITY;
  const builder = new TreeBuilder(K);
  const features = new Int32Array(F);
  for (let f = 0; f < F; f++) features[f] = f;
  let maxCodes = 0;
  for (const v of data.values) maxCodes = Math.max(maxCodes, v.length + 1);
  const hist = new Float64Array(maxCodes * K);
  const total = new Float64Array(maxCodes);
  const touched = new Uint32Array(Math.min(maxCodes, n));
  const nodeCounts = new Float64Array(K);
  const left = new Float64Array(K);

  const bestLeft = new Float64Array(K);
  // Children get their class counts from the parent's best split instead of recounting their rows.
  type Pending = { id: number; start: number; end: number; depth: number; counts: Float64Array | null };
  const stack: Pending[] = [{ id: builder.add(), start: 0, end: m, depth: 0, counts: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    let w = 0;
    if (node.counts) {
      nodeCounts.set(node.counts);
      for (let k = 0; k < K; k++) w += nodeCounts[k]!;
    } else {
      nodeCounts.fill(0);
      for (let i = node.start; i < node.end; i++) {
        const r = index[i]!;
        nodeCounts[y[r]!]! += weight[r]!;
        w += weight[r]!;
      }
    }
    let classes = 0;
    for (let k = 0; k < K; k++) if (nodeCounts[k]! > 0) classes++;
    if (classes <= 1 || node.depth >= maxDepth || w < p.minSamplesSplit || w < 2 * p.minSamplesLeaf) {
      setLeaf(builder, node.id, nodeCounts, w);
      continue;
    }
    let parentSq = 0;
    for (let k = 0; k < K; k++) parentSq += nodeCounts[k]! * nodeCounts[k]!;
    let bestScore = parentSq / w + 1e-12;
    let bestFeature = -1;
    let bestCode = 0;
    let bestMissingLeft = false;
    // Shuffle the feature order; constant features do not count towards max_features (as in scikit-learn).
    let tried = 0;
    for (let j = 0; j < F && tried < mf; j++) {
      const pick = j + rng.int(F - j);
      const f = features[pick]!;
      features[pick] = features[j]!;
      features[j] = f;
      const base = f * n;
      let u = 0;
      for (let i = node.start; i < node.end; i++) {
        const r = index[i]!;
        const c = data.codes[base + r]!;
        if (total[c] === 0) touched[u++] = c;
        total[c]! += weight[r]!;
        hist[c * K + y[r]!]! += weight[r]!;
      }
      if (u > 1) {
        tried++;
        const order = sortPrefix(touched, u);
        const nanCode = data.values[f]!.length;
        const hasNan = order[u - 1] === nanCode;
        left.fill(0);
        let wl = 0;
        for (let i = 0; i < u - 1; i++) {
          const c = order[i]!;
          wl += total[c]!;
          for (let k = 0; k < K; k++) left[k]! += hist[c * K + k]!;
          const wr = w - wl;
          if (wl < p.minSamplesLeaf || wr < p.minSamplesLeaf) continue;
          let sl = 0;
          let sr = 0;
          for (let k = 0; k < K; k++) {
            const l = left[k]!;
            const rr = nodeCounts[k]! - l;
            sl += l * l;
            sr += rr * rr;
          }
          const score = sl / wl + sr / wr;
          if (score > bestScore) {
            bestScore = score;
            bestFeature = f;
            bestCode = c;
            bestMissingLeft = !hasNan && wl >= wr;
            bestLeft.set(left);
          }
        }
      }
      for (let i = 0; i < u; i++) {
        const c = touched[i]!;
        total[c] = 0;
        for (let k = 0; k < K; k++) hist[c * K + k] = 0;
      }
    }
    if (bestFeature < 0) {
      setLeaf(builder, node.id, nodeCounts, w);
      continue;
    }
    const threshold = data.values[bestFeature]![bestCode]!;
    const [lid, rid] = builder.split(node.id, bestFeature, threshold, bestMissingLeft);
    const base = bestFeature * n;
    let i = node.start;
    let j = node.end - 1;
    while (i <= j) {
      if (data.codes[base + index[i]!]! <= bestCode) i++;
      else {
        const tmp = index[i]!;
        index[i] = index[j]!;
        index[j] = tmp;
        j--;
      }
    }
    const leftCounts = bestLeft.slice();
    const rightCounts = new Float64Array(K);
    for (let k = 0; k < K; k++) rightCounts[k] = nodeCounts[k]! - leftCounts[k]!;
    stack.push({ id: rid, start: i, end: node.end, depth: node.depth + 1, counts: rightCounts });
    stack.push({ id: lid, start: node.start, end: i, depth: node.depth + 1, counts: leftCounts });
  }
  return builder.build(-1);
}

function setLeaf(builder: TreeBuilder, id: number, counts: Float64Array, w: number): void {
  const base = id * counts.length;
  for (let k = 0; k < counts.length; k++) builder.values[base + k] = counts[k]! / w;
}

/** Sorts a[0..u) ascending; insertion sort for the many tiny nodes near the leaves, no allocation. */
function sortPrefix(a: Uint32Array, u: number): Uint32Array {
  if (u > 24) {
    a.subarray(0, u).sort();
    return a;
  }
  for (let i = 1; i < u; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
  return a;
}

function checkForestParams(p: RandomForestParams): RandomForestParams {
  const bad = (name: string, value: unknown, expected: string) => {
    throw new RangeError(`random forest: ${name} = ${String(value)} is invalid; expected ${expected}`);
  };
  if (!(Number.isInteger(p.nEstimators) && p.nEstimators >= 1)) {
    bad('nEstimators', p.nEstimators, 'an integer ≥ 1');
  }
  if (p.maxDepth !== null && !(Number.isInteger(p.maxDepth) && p.maxDepth >= 1)) {
    bad('maxDepth', p.maxDepth, 'an integer ≥ 1 or null');
  }
  const mf = p.maxFeatures;
  if (!(mf === null || mf === 'sqrt' || mf === 'log2' || (Number.isInteger(mf) && mf >= 1))) {
    bad('maxFeatures', mf, "an integer ≥ 1, 'sqrt', 'log2' or null");
  }
  if (!(p.minSamplesSplit >= 2)) bad('minSamplesSplit', p.minSamplesSplit, 'a number ≥ 2');
  if (!(p.minSamplesLeaf >= 1)) bad('minSamplesLeaf', p.minSamplesLeaf, 'a number ≥ 1');
  return p;
}
