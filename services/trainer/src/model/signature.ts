import type { ModelSignature } from '@covertype/mlflow';
import {
  type CovertypeRow,
  MODEL_INPUT_NAMES,
  MODEL_SIGNATURE,
  NUMERIC_FEATURE_NAMES,
} from '@covertype/schema';

/** The MLflow tensor signature of the covertype ONNX contract (@covertype/schema model-io). */
export const COVERTYPE_SIGNATURE: ModelSignature = MODEL_SIGNATURE;

/** A few rows as a dict of tensors (what pyfunc `predict` takes for the tensor signature). */
export function inputExample(rows: readonly CovertypeRow[]): Record<string, unknown[]> {
  const sample = rows.slice(0, 3);
  return {
    [MODEL_INPUT_NAMES.numeric]: sample.map((r) => NUMERIC_FEATURE_NAMES.map((f) => r[f])),
    [MODEL_INPUT_NAMES.wilderness]: sample.map((r) => [r.Wilderness_Area]),
    [MODEL_INPUT_NAMES.soil]: sample.map((r) => [r.Soil_Type]),
  };
}
