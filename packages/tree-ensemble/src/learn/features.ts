import {
  MISSING_SOIL,
  type ModelColumns,
  type ModelInputRow,
  NUMERIC_FEATURE_NAMES,
  SOIL_TYPES,
  WILDERNESS_AREA_LONG_NAMES,
  WILDERNESS_AREAS,
} from '@covertype/schema';

/**
 * The learner's feature layout: the ten numeric features, then the wilderness area as a code 0..3
 * (WILDERNESS_AREAS order), then the soil type as its ELU code. Missing or unknown categories are NaN,
 * which every split sends the way the training data went (see README). The ONNX graph builds the
 * same row from the raw inputs with LabelEncoders, so TS and ONNX see identical float32 values.
 */
export const FEATURE_NAMES = [...NUMERIC_FEATURE_NAMES, 'Wilderness_Area', 'Soil_Type'] as const;
export const N_FEATURES = FEATURE_NAMES.length;
export const N_NUMERIC = NUMERIC_FEATURE_NAMES.length;
export const WILDERNESS_FEATURE = N_NUMERIC;
export const SOIL_FEATURE = N_NUMERIC + 1;

/** Wilderness names the graph and the encoder accept (canonical and long names) and their codes. */
export const WILDERNESS_KEYS: ReadonlyArray<readonly [string, number]> = [
  ...WILDERNESS_AREAS.map((name, i) => [name, i] as const),
  ...WILDERNESS_AREAS.map((name, i) => [WILDERNESS_AREA_LONG_NAMES[name], i] as const),
];
const WILDERNESS_CODE = new Map<string, number>(WILDERNESS_KEYS);
const SOIL_SET: ReadonlySet<number> = new Set<number>(SOIL_TYPES);

export function wildernessCode(name: string | undefined): number {
  return name === undefined ? Number.NaN : (WILDERNESS_CODE.get(name) ?? Number.NaN);
}

export function soilCode(code: number | bigint | undefined): number {
  const n = Number(code ?? MISSING_SOIL);
  return SOIL_SET.has(n) ? n : Number.NaN;
}

/** A dense row-major float32 matrix of encoded features. */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  values: Float32Array;
}

/** Encodes raw rows (numeric features + Wilderness_Area + Soil_Type) into the learner's matrix. */
export function encodeRows(rows: readonly ModelInputRow[]): FeatureMatrix {
  const n = rows.length;
  const values = new Float32Array(n * N_FEATURES);
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    const o = r * N_FEATURES;
    for (let f = 0; f < N_NUMERIC; f++) values[o + f] = row[NUMERIC_FEATURE_NAMES[f]!];
    values[o + WILDERNESS_FEATURE] = wildernessCode(row.Wilderness_Area);
    values[o + SOIL_FEATURE] = soilCode(row.Soil_Type);
  }
  return { rows: n, cols: N_FEATURES, values };
}

/** Encodes the three model input columns (see @covertype/schema model-io) into the learner's matrix. */
export function encodeColumns(columns: ModelColumns): FeatureMatrix {
  const n = columns.rows;
  const values = new Float32Array(n * N_FEATURES);
  for (let r = 0; r < n; r++) {
    const o = r * N_FEATURES;
    for (let f = 0; f < N_NUMERIC; f++) values[o + f] = columns.numeric[r * N_NUMERIC + f]!;
    values[o + WILDERNESS_FEATURE] = wildernessCode(columns.wilderness[r]);
    values[o + SOIL_FEATURE] = soilCode(columns.soil[r]);
  }
  return { rows: n, cols: N_FEATURES, values };
}

/** Cover_Type 1..7 → class index 0..6, as a compact label vector. */
export function encodeLabels(rows: ReadonlyArray<{ Cover_Type: number }>): Uint8Array {
  const y = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const label = rows[i]!.Cover_Type;
    if (!Number.isInteger(label) || label < 1 || label > 7) {
      throw new RangeError(`row ${i}: Cover_Type ${label} is not a class 1..7`);
    }
    y[i] = label - 1;
  }
  return y;
}

/** Rows of a matrix picked by index (for splits and folds). */
export function takeRows(x: FeatureMatrix, index: ArrayLike<number>): FeatureMatrix {
  const c = x.cols;
  const values = new Float32Array(index.length * c);
  for (let i = 0; i < index.length; i++) {
    const from = index[i]! * c;
    values.set(x.values.subarray(from, from + c), i * c);
  }
  return { rows: index.length, cols: c, values };
}

export function takeLabels(y: Uint8Array, index: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = y[index[i]!]!;
  return out;
}
