import type { FeatureMatrix } from './features.ts';
import { fitGradientBoosting, type GradientBoostingParams } from './gradient-boosting.ts';
import type { ModelKind, TreeEnsembleModel } from './model.ts';
import { fitRandomForest, type RandomForestParams } from './random-forest.ts';

export type ModelFamily = ModelKind;
export type FamilyParams<F extends ModelFamily> = F extends 'gradient-boosting'
  ? Partial<GradientBoostingParams>
  : Partial<RandomForestParams>;

/** Fits either family from a plain params object (what searches and the pipeline pass around). */
export function fitModel(
  family: ModelFamily,
  x: FeatureMatrix,
  y: Uint8Array,
  params: Record<string, unknown>,
  classLabels?: readonly number[],
): TreeEnsembleModel {
  const options = classLabels ? { classLabels } : {};
  if (family === 'gradient-boosting') {
    return fitGradientBoosting(x, y, params as Partial<GradientBoostingParams>, options);
  }
  if (family === 'random-forest')
    return fitRandomForest(x, y, params as Partial<RandomForestParams>, options);
  throw new RangeError(
    `unknown model family "${String(family)}"; expected gradient-boosting or random-forest`,
  );
}
