import type { ModelSignature } from '@covertype/mlflow';
import {
  type CovertypeRow,
  MODEL_CLASS_LABELS,
  MODEL_INPUT_NAMES,
  MODEL_OUTPUT_NAMES,
  NUMERIC_FEATURE_NAMES,
} from '@covertype/schema';

/** The MLflow tensor signature of the covertype ONNX contract (@covertype/schema model-io). */
export const COVERTYPE_SIGNATURE: ModelSignature = {
  inputs: [
    {
      type: 'tensor',
      name: MODEL_INPUT_NAMES.numeric,
      'tensor-spec': { dtype: 'float32', shape: [-1, NUMERIC_FEATURE_NAMES.length] },
    },
    { type: 'tensor', name: MODEL_INPUT_NAMES.wilderness, 'tensor-spec': { dtype: 'str', shape: [-1, 1] } },
    { type: 'tensor', name: MODEL_INPUT_NAMES.soil, 'tensor-spec': { dtype: 'int64', shape: [-1, 1] } },
  ],
  outputs: [
    { type: 'tensor', name: MODEL_OUTPUT_NAMES.label, 'tensor-spec': { dtype: 'int64', shape: [-1] } },
    {
      type: 'tensor',
      name: MODEL_OUTPUT_NAMES.probabilities,
      'tensor-spec': { dtype: 'float32', shape: [-1, MODEL_CLASS_LABELS.length] },
    },
  ],
  params: null,
};

/** A few rows as a dict of tensors (the MLflow client writes it in the tf-serving `inputs` format). */
export function inputExample(rows: readonly CovertypeRow[]): Record<string, unknown[]> {
  const sample = rows.slice(0, 3);
  return {
    [MODEL_INPUT_NAMES.numeric]: sample.map((r) => NUMERIC_FEATURE_NAMES.map((f) => r[f])),
    [MODEL_INPUT_NAMES.wilderness]: sample.map((r) => [r.Wilderness_Area]),
    [MODEL_INPUT_NAMES.soil]: sample.map((r) => [r.Soil_Type]),
  };
}
