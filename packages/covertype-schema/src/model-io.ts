import { NUMERIC_FEATURE_NAMES, type NumericFeatureName } from './features.ts';

/**
 * The contract between the trainer's ONNX export and every model consumer. The graph takes the
 * raw row and does the categorical encoding itself, so clients never one-hot anything:
 * - `numeric`         tensor(float)  [N, 10]  the numeric features in NUMERIC_FEATURE_NAMES order
 * - `Wilderness_Area` tensor(string) [N, 1]   canonical name; '' means missing
 * - `Soil_Type`       tensor(int64)  [N, 1]   ELU code; 0 means missing
 * Outputs: `label` tensor(int64) [N] with the Cover_Type 1..7, `probabilities` tensor(float) [N, 7]
 * in class order 1..7.
 */
export const MODEL_INPUT_NAMES = {
  numeric: 'numeric',
  wilderness: 'Wilderness_Area',
  soil: 'Soil_Type',
} as const;
export const MODEL_OUTPUT_NAMES = { label: 'label', probabilities: 'probabilities' } as const;
export const MODEL_CLASS_LABELS = [1, 2, 3, 4, 5, 6, 7] as const;
export const MISSING_WILDERNESS = '';
export const MISSING_SOIL = 0;

export type ModelInputRow = Record<NumericFeatureName, number> & {
  Wilderness_Area?: string | undefined;
  Soil_Type?: number | undefined;
};

export interface ModelColumns {
  rows: number;
  numeric: Float32Array;
  wilderness: string[];
  soil: BigInt64Array;
}

/** Lays rows out as the three model inputs (without tensors, so it needs no onnxruntime). */
export function toModelColumns(rows: readonly ModelInputRow[]): ModelColumns {
  const n = rows.length;
  const width = NUMERIC_FEATURE_NAMES.length;
  const numeric = new Float32Array(n * width);
  const wilderness = new Array<string>(n);
  const soil = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    for (let f = 0; f < width; f++) numeric[r * width + f] = row[NUMERIC_FEATURE_NAMES[f]!];
    wilderness[r] = row.Wilderness_Area ?? MISSING_WILDERNESS;
    soil[r] = BigInt(row.Soil_Type ?? MISSING_SOIL);
  }
  return { rows: n, numeric, wilderness, soil };
}

/** onnxruntime's `Tensor` class, passed in so that this package needs no onnxruntime. */
export interface TensorConstructor<T> {
  new (type: 'float32', data: Float32Array, dims: readonly number[]): T;
  new (type: 'string', data: string[], dims: readonly number[]): T;
  new (type: 'int64', data: BigInt64Array, dims: readonly number[]): T;
}

/**
 * The model's feeds: the three input tensors under MODEL_INPUT_NAMES, wrapping the columns' arrays
 * (no copy). `toModelFeeds(ort.Tensor, toModelColumns(rows))` is what `session.run` takes.
 */
export function toModelFeeds<T>(Tensor: TensorConstructor<T>, columns: ModelColumns): Record<string, T> {
  const n = columns.rows;
  return {
    [MODEL_INPUT_NAMES.numeric]: new Tensor('float32', columns.numeric, [n, NUMERIC_FEATURE_NAMES.length]),
    [MODEL_INPUT_NAMES.wilderness]: new Tensor('string', columns.wilderness, [n, 1]),
    [MODEL_INPUT_NAMES.soil]: new Tensor('int64', columns.soil, [n, 1]),
  };
}

interface TensorSpec {
  type: 'tensor';
  name: string;
  'tensor-spec': { dtype: string; shape: number[] };
}

/** The same contract as an MLflow tensor signature (the `signature` of every logged MLmodel). */
export const MODEL_SIGNATURE: { inputs: TensorSpec[]; outputs: TensorSpec[]; params: null } = {
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
