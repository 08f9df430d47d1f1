import { applyBins, fitBins, MAX_BINS } from './binning.ts';
import { FEATURE_NAMES, type FeatureMatrix, takeLabels, takeRows } from './features.ts';
import { HistTreeGrower } from './hist-tree.ts';
import { leafIndex, type Tree, type TreeEnsembleModel } from './model.ts';
import { Rng } from './random.ts';
import { stratifiedSplit } from './split.ts';

export interface GradientBoostingParams {
  /** Boosting rounds (one tree per class per round). */
  rounds: number;
  learningRate: number;
  /** Leaf-wise growth stops at this many leaves per tree. */
  maxLeaves: number;
  /** Depth limit (root = 0); null for none. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  /** L2 regularisation of leaf values. */
  l2: number;
  /** Fraction of rows drawn (without replacement) for each round. */
  subsample: number;
  maxBins: number;
  /** Hold out validationFraction of the rows and stop when the validation log loss stops improving. */
  earlyStopping: boolean;
  validationFraction: number;
  nIterNoChange: number;
  tol: number;
  seed: number;
}

export const GRADIENT_BOOSTING_DEFAULTS: GradientBoostingParams = {
  rounds: 100,
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  l2: 1,
  subsample: 1,
  maxBins: MAX_BINS,
  earlyStopping: false,
  validationFraction: 0.1,
  nIterNoChange: 10,
  tol: 1e-7,
  seed: 0,
};

export interface FitOptions {
  /** Class labels in index order (y holds indexes 0..K-1). Default: Cover_Type 1..7. */
  classLabels?: readonly number[];
  featureNames?: readonly string[];
  /** Called after each round with the training (and validation) log loss. */
  onRound?: (round: number, info: { validationLoss?: number }) => void;
}

const DEFAULT_LABELS = [1, 2, 3, 4, 5, 6, 7] as const;

/** Multiclass gradient boosting with softmax loss over histogram trees (one tree per class per round). */
export function fitGradientBoosting(
  x: FeatureMatrix,
  y: Uint8Array,
  params: Partial<GradientBoostingParams> = {},
  options: FitOptions = {},
): TreeEnsembleModel {
  const p = checkParams({ ...GRADIENT_BOOSTING_DEFAULTS, ...params });
  const labels = [...(options.classLabels ?? DEFAULT_LABELS)];
  const K = labels.length;
  checkData(x, y, K);

  let train = x;
  let ytrain = y;
  let valid: FeatureMatrix | null = null;
  let yvalid: Uint8Array | null = null;
  if (p.earlyStopping) {
    const split = stratifiedSplit(y, p.validationFraction, p.seed);
    train = takeRows(x, split.train);
    ytrain = takeLabels(y, split.train);
    valid = takeRows(x, split.test);
    yvalid = takeLabels(y, split.test);
  }
  const n = train.rows;
  const cols = train.cols;
  const mapper = fitBins(train, p.maxBins);
  const bins = applyBins(train, mapper);
  const grower = new HistTreeGrower(bins, cols, mapper.nBins, mapper.upper, {
    maxLeaves: p.maxLeaves,
    maxDepth: p.maxDepth ?? Number.POSITIVE_INFINITY,
    minSamplesLeaf: p.minSamplesLeaf,
    minHessianLeaf: 1e-3,
    l2: p.l2,
    shrinkage: p.learningRate,
  });

  // Baseline: the log prior of each class (a class absent from the data gets a very low one).
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) counts[ytrain[i]!]!++;
  const baseValues = Array.from(counts, (c) => Math.fround(Math.log(Math.max(c / n, 1e-15))));

  const raw = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) raw[i * K + k] = baseValues[k]!;
  const vraw = valid ? new Float64Array(valid.rows * K) : null;
  if (vraw)
    for (let i = 0; i < valid!.rows; i++) for (let k = 0; k < K; k++) vraw[i * K + k] = baseValues[k]!;

  const prob = new Float64Array(n * K);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const m = p.subsample < 1 ? Math.max(1, Math.round(n * p.subsample)) : n;
  const sample = new Uint32Array(m);
  const index = new Uint32Array(m);
  const inSample = new Uint8Array(n);
  const rng = new Rng(p.seed);

  const trees: Tree[] = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestRounds = 0;
  let sinceBest = 0;
  let round = 0;
  for (; round < p.rounds; round++) {
    if (m < n) {
      // Partial Fisher-Yates: the first m of a shuffled index, put back in ascending order for memory
      // locality by a scan over the rows (cheaper than sorting).
      for (let i = 0; i < m; i++) {
        const j = i + rng.int(n - i);
        const t = all[i]!;
        all[i] = all[j]!;
        all[j] = t;
      }
      inSample.fill(0);
      for (let i = 0; i < m; i++) inSample[all[i]!] = 1;
      for (let i = 0, j = 0; i < n; i++) if (inSample[i]) sample[j++] = i;
    } else {
      sample.set(all);
    }
    // Probabilities, gradients and hessians only of the rows the trees see.
    softmaxInto(raw, prob, K, sample);
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < m; j++) {
        const i = sample[j]!;
        const pk = prob[i * K + k]!;
        grad[i] = pk - (ytrain[i] === k ? 1 : 0);
        hess[i] = Math.max(pk * (1 - pk), 1e-16);
      }
      index.set(sample);
      const { tree, leaves } = grower.grow(grad, hess, index, m, k, k > 0);
      trees.push(tree);
      for (const leaf of leaves) {
        for (let i = leaf.start; i < leaf.end; i++) {
          const o = index[i]! * K + k;
          raw[o] = raw[o]! + leaf.value;
        }
      }
      if (m < n) {
        for (let i = 0; i < n; i++) {
          if (inSample[i]) continue;
          const o = i * K + k;
          raw[o] = raw[o]! + tree.values[leafIndex(tree, train.values, i * cols)]!;
        }
      }
      if (vraw) {
        for (let i = 0; i < valid!.rows; i++) {
          const o = i * K + k;
          vraw[o] = vraw[o]! + tree.values[leafIndex(tree, valid!.values, i * cols)]!;
        }
      }
    }
    if (vraw) {
      const loss = logLossRaw(vraw, yvalid!, K);
      options.onRound?.(round + 1, { validationLoss: loss });
      if (loss < bestLoss - p.tol) {
        bestLoss = loss;
        bestRounds = round + 1;
        sinceBest = 0;
      } else if (++sinceBest >= p.nIterNoChange) {
        round++;
        break;
      }
    } else {
      options.onRound?.(round + 1, {});
    }
  }
  const rounds = vraw ? bestRounds : round;
  return {
    kind: 'gradient-boosting',
    classLabels: labels,
    featureNames: [...(options.featureNames ?? FEATURE_NAMES)],
    baseValues,
    postTransform: 'SOFTMAX',
    trees: trees.slice(0, rounds * K),
    params: { ...p },
    rounds,
  };
}

/** Softmax of the raw scores of the given rows. */
function softmaxInto(raw: Float64Array, out: Float64Array, K: number, rows: Uint32Array): void {
  for (let j = 0; j < rows.length; j++) {
    const o = rows[j]! * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (raw[o + k]! > max) max = raw[o + k]!;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(raw[o + k]! - max);
      out[o + k] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let k = 0; k < K; k++) out[o + k] = out[o + k]! * inv;
  }
}

function logLossRaw(raw: Float64Array, y: Uint8Array, K: number): number {
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const o = i * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (raw[o + k]! > max) max = raw[o + k]!;
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(raw[o + k]! - max);
    total += Math.log(sum) + max - raw[o + y[i]!]!;
  }
  return total / y.length;
}

export function checkData(x: FeatureMatrix, y: Uint8Array, K: number): void {
  if (x.rows === 0) throw new RangeError('cannot train on 0 rows');
  if (x.values.length !== x.rows * x.cols) {
    throw new RangeError(
      `feature matrix has ${x.values.length} values, expected rows × cols = ${x.rows * x.cols}`,
    );
  }
  if (y.length !== x.rows) throw new RangeError(`got ${y.length} labels for ${x.rows} rows`);
  for (let i = 0; i < y.length; i++) {
    if (y[i]! >= K) throw new RangeError(`label index ${y[i]} at row ${i} is not a class index 0..${K - 1}`);
  }
}

function checkParams(p: GradientBoostingParams): GradientBoostingParams {
  const bad = (name: string, value: unknown, expected: string) => {
    throw new RangeError(`gradient boosting: ${name} = ${String(value)} is invalid; expected ${expected}`);
  };
  if (!(Number.isInteger(p.rounds) && p.rounds >= 1)) bad('rounds', p.rounds, 'an integer ≥ 1');
  if (!(p.learningRate > 0)) bad('learningRate', p.learningRate, 'a number > 0');
  if (!(Number.isInteger(p.maxLeaves) && p.maxLeaves >= 2)) bad('maxLeaves', p.maxLeaves, 'an integer ≥ 2');
  if (p.maxDepth !== null && !(Number.isInteger(p.maxDepth) && p.maxDepth >= 1)) {
    bad('maxDepth', p.maxDepth, 'an integer ≥ 1 or null');
  }
  if (!(Number.isInteger(p.minSamplesLeaf) && p.minSamplesLeaf >= 1)) {
    bad('minSamplesLeaf', p.minSamplesLeaf, 'an integer ≥ 1');
  }
  if (!(p.l2 >= 0)) bad('l2', p.l2, 'a number ≥ 0');
  if (!(p.subsample > 0 && p.subsample <= 1)) bad('subsample', p.subsample, 'a fraction in (0, 1]');
  if (!(p.validationFraction > 0 && p.validationFraction < 1)) {
    bad('validationFraction', p.validationFraction, 'a fraction in (0, 1)');
  }
  if (!(Number.isInteger(p.nIterNoChange) && p.nIterNoChange >= 1)) {
    bad('nIterNoChange', p.nIterNoChange, 'an integer ≥ 1');
  }
  return p;
}
