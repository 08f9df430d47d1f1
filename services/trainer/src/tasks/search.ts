import {
  DEFAULT_SEARCH,
  type ModelFamily,
  QUICK_SEARCH,
  type SearchPreset,
  WORKSHOP_GB,
  WORKSHOP_RF,
} from '@covertype/tree-ensemble';

export type SearchPresetName = 'quick' | 'default' | 'workshop';
export const PIPELINE_PRESETS = ['quick', 'default', 'workshop'] as const;
export type Family = ModelFamily;

/** A full-depth forest (scikit-learn's RandomForestClassifier defaults) as the forest side of `default`. */
const DEFAULT_FOREST: SearchPreset = {
  name: 'default-rf',
  description: 'Random forest, 100 full-depth trees, sqrt features (scikit-learn defaults)',
  family: 'random-forest',
  folds: 3,
  scoring: 'accuracy',
  grid: { nEstimators: [100], maxDepth: [null], maxFeatures: ['sqrt'] },
};

/** Two tiny forests, so the quick preset exercises both families in seconds. */
const QUICK_FOREST: SearchPreset = {
  name: 'quick-rf',
  description: 'Two small forests for smoke tests and demos',
  family: 'random-forest',
  folds: 2,
  scoring: 'accuracy',
  grid: { nEstimators: [8], maxDepth: [8], maxFeatures: [3, 5] },
};

export interface PlannedSearch {
  preset: SearchPreset;
  folds: number;
}

/**
 * What each SEARCH_PRESET runs. `workshop` is the workshop's two GridSearchCV grids with 5-fold CV
 * (27 forest and 36 boosting candidates) plus our default boosting search, as the benchmark measures.
 */
const PLAN: Record<SearchPresetName, readonly PlannedSearch[]> = {
  quick: [
    { preset: QUICK_FOREST, folds: QUICK_FOREST.folds },
    { preset: QUICK_SEARCH, folds: QUICK_SEARCH.folds },
  ],
  default: [
    { preset: DEFAULT_FOREST, folds: DEFAULT_FOREST.folds },
    { preset: DEFAULT_SEARCH, folds: DEFAULT_SEARCH.folds },
  ],
  workshop: [
    { preset: WORKSHOP_RF, folds: 5 },
    { preset: WORKSHOP_GB, folds: 5 },
    { preset: DEFAULT_SEARCH, folds: DEFAULT_SEARCH.folds },
  ],
};

/** The searches of one family in a pipeline preset; CV_FOLDS (when set) overrides every fold count. */
export function searchesFor(preset: SearchPresetName, family: Family, folds?: number): PlannedSearch[] {
  return PLAN[preset]
    .filter((s) => s.preset.family === family)
    .map((s) => ({ preset: s.preset, folds: folds ?? s.folds }));
}
