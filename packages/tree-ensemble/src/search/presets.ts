import type { ModelFamily } from '../learn/fit.ts';

/** How a random search draws one hyperparameter. */
export type Distribution =
  | { values: readonly unknown[] }
  | { uniform: readonly [number, number] }
  | { logUniform: readonly [number, number] }
  | { int: readonly [number, number] };

export type Scoring = 'accuracy' | 'macroF1' | 'logLoss';

export interface SearchSpace {
  family: ModelFamily;
  /** Params every candidate shares. */
  fixed?: Record<string, unknown>;
  /** Grid search: every combination of these values (first key varies slowest). */
  grid?: Record<string, readonly unknown[]>;
  /** Random search: `candidates` draws from these distributions. */
  random?: { candidates: number; distributions: Record<string, Distribution> };
  /** Params derived from a candidate's params (e.g. max leaves from max depth). */
  derive?: (params: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Successive halving (scikit-learn's HalvingRandomSearchCV, with training rows as the resource): in
   * `rungs` rounds, every candidate is first cross-validated on 1/factor^(rungs-1) of each fold's
   * training rows; the best 1/factor of them go on to factor times more rows, the last rung all rows.
   */
  halving?: { factor: number; rungs: number };
}

export interface SearchPreset extends SearchSpace {
  name: string;
  description: string;
  folds: number;
  scoring: Scoring;
}

/**
 * The workshop's GridSearchCV grids, value for value (scikit-learn names mapped to ours:
 * n_estimators → nEstimators/rounds, max_depth → maxDepth, max_features → maxFeatures,
 * learning_rate → learningRate, subsample → subsample).
 */
export const WORKSHOP_RF: SearchPreset = {
  name: 'workshop-rf',
  description: 'Workshop random forest grid: 3 × 3 × 3 = 27 candidates',
  family: 'random-forest',
  folds: 3,
  scoring: 'accuracy',
  grid: { nEstimators: [33, 66, 200], maxDepth: [2, 4, 6], maxFeatures: [3, 4, 5] },
};

/**
 * scikit-learn's GradientBoostingClassifier grows depth-wise trees with min_samples_leaf=1; here
 * that is maxDepth with maxLeaves = 2^maxDepth. l2 = 1 keeps Newton steps stable on rare classes.
 */
export const WORKSHOP_GB: SearchPreset = {
  name: 'workshop-gb',
  description: 'Workshop gradient boosting grid: 2 × 3 × 3 × 2 = 36 candidates',
  family: 'gradient-boosting',
  folds: 3,
  scoring: 'accuracy',
  fixed: { minSamplesLeaf: 1, l2: 1 },
  grid: { rounds: [100, 200], learningRate: [0.01, 0.1, 0.2], maxDepth: [3, 4, 5], subsample: [0.8, 1.0] },
  derive: (p) => ({ maxLeaves: 2 ** (p.maxDepth as number) }),
};

/**
 * Our default: a seeded random search over leaf-wise boosting with early stopping, where the
 * workshop grids are too shallow for this data (depth ≤ 6 forests stay near 0.7 accuracy). Halving
 * spends full-size fits only on the most promising third of the draws.
 */
export const DEFAULT_SEARCH: SearchPreset = {
  name: 'default',
  description:
    'Random search, 12 leaf-wise boosting candidates with early stopping (up to 500 rounds), halving: all on a third of the rows, the best 4 on all',
  family: 'gradient-boosting',
  folds: 3,
  scoring: 'accuracy',
  fixed: { rounds: 500, earlyStopping: true, nIterNoChange: 15, validationFraction: 0.1 },
  halving: { factor: 3, rungs: 2 },
  random: {
    candidates: 12,
    distributions: {
      learningRate: { logUniform: [0.05, 0.3] },
      maxLeaves: { values: [31, 63, 127] },
      minSamplesLeaf: { values: [5, 10, 20, 40] },
      l2: { logUniform: [0.1, 10] },
      subsample: { values: [0.8, 1.0] },
    },
  },
};

/** A two-candidate search for smoke tests and demos (seconds, not minutes). */
export const QUICK_SEARCH: SearchPreset = {
  name: 'quick',
  description: 'Two small boosting candidates for smoke tests and demos',
  family: 'gradient-boosting',
  folds: 2,
  scoring: 'accuracy',
  fixed: { rounds: 20, maxLeaves: 15 },
  grid: { learningRate: [0.1, 0.3] },
};

export const SEARCH_PRESETS: Record<string, SearchPreset> = {
  [WORKSHOP_RF.name]: WORKSHOP_RF,
  [WORKSHOP_GB.name]: WORKSHOP_GB,
  [DEFAULT_SEARCH.name]: DEFAULT_SEARCH,
  [QUICK_SEARCH.name]: QUICK_SEARCH,
};

export function getPreset(name: string): SearchPreset {
  const preset = SEARCH_PRESETS[name];
  if (!preset) {
    throw new RangeError(
      `unknown search preset "${name}"; expected one of ${Object.keys(SEARCH_PRESETS).join(', ')}`,
    );
  }
  return preset;
}
