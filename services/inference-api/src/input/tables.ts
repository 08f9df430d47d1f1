import { FEATURE_COLUMNS, type ModelInputRow, NUMERIC_FEATURE_NAMES } from '@covertype/schema';
import { InvalidFieldError, TooManyRowsError } from '../errors.ts';
import { checkRow, kindOf } from './row.ts';

/**
 * Conversions from the tabular request formats of MLflow's scoring server and the Open Inference
 * Protocol to rows, all ending in checkRow so every protocol validates (and predicts) alike.
 */

export function checkCount(count: number, maxBatch: number, where: string): void {
  if (count === 0) throw new InvalidFieldError(where, 'expected at least one row');
  if (count > maxBatch) {
    throw new TooManyRowsError(where, count, maxBatch);
  }
}

/** A row given as values in `columns` order (FEATURE_COLUMNS when none are named). */
export function rowFromValues(values: unknown, columns: readonly string[], where: string): ModelInputRow {
  if (!Array.isArray(values))
    throw new InvalidFieldError(where, `expected an array of values, got ${kindOf(values)}`);
  if (values.length !== columns.length) {
    throw new InvalidFieldError(
      where,
      `has ${values.length} values, expected ${columns.length} (${columns.join(', ')})`,
    );
  }
  const record: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) record[columns[i]!] = values[i];
  return checkRow(record, where);
}

/** Positional rows carry the 10 numeric features, optionally followed by Wilderness_Area and Soil_Type. */
export function positionalColumns(width: number, where: string): readonly string[] {
  if (width === FEATURE_COLUMNS.length) return FEATURE_COLUMNS;
  if (width === NUMERIC_FEATURE_NAMES.length) return NUMERIC_FEATURE_NAMES;
  throw new InvalidFieldError(
    where,
    `rows have ${width} values; expected 10 (numeric features) or 12 (${FEATURE_COLUMNS.join(', ')})`,
  );
}

export function rowsFromRecords(records: unknown, maxBatch: number, where: string): ModelInputRow[] {
  if (!Array.isArray(records))
    throw new InvalidFieldError(where, `expected an array of rows, got ${kindOf(records)}`);
  checkCount(records.length, maxBatch, where);
  return records.map((r, i) => checkRow(r, `${where}[${i}]`));
}

export function rowsFromArrays(
  data: unknown,
  columns: readonly string[] | undefined,
  maxBatch: number,
  where: string,
): ModelInputRow[] {
  if (!Array.isArray(data))
    throw new InvalidFieldError(where, `expected an array of rows, got ${kindOf(data)}`);
  checkCount(data.length, maxBatch, where);
  const first = data[0];
  const cols = columns ?? positionalColumns(Array.isArray(first) ? first.length : -1, where);
  return data.map((values, i) => rowFromValues(values, cols, `${where}[${i}]`));
}

/** Columnar input `{Elevation: [...], ...}` (MLflow `inputs` as named tensors, one per column). */
export function rowsFromColumns(
  columns: Record<string, unknown>,
  maxBatch: number,
  where: string,
): ModelInputRow[] {
  const names = Object.keys(columns);
  let n = -1;
  for (const name of names) {
    const col = columns[name];
    if (!Array.isArray(col))
      throw new InvalidFieldError(`${where}.${name}`, `expected an array, got ${kindOf(col)}`);
    if (n === -1) n = col.length;
    else if (col.length !== n) {
      throw new InvalidFieldError(`${where}.${name}`, `has ${col.length} values, other columns have ${n}`);
    }
  }
  checkCount(Math.max(n, 0), maxBatch, where);
  const rows = new Array<ModelInputRow>(n);
  for (let i = 0; i < n; i++) {
    const record: Record<string, unknown> = {};
    for (const name of names) {
      const v = (columns[name] as unknown[])[i];
      // [N,1] columns arrive as one-element lists.
      record[name] = Array.isArray(v) && v.length === 1 ? v[0] : v;
    }
    rows[i] = checkRow(record, `${where}[${i}]`);
  }
  return rows;
}

/**
 * The model's own tensors: `numeric` [N,10] (nested or flat), optional `Wilderness_Area` and
 * `Soil_Type` ([N] or [N,1]).
 */
export function rowsFromModelTensors(
  numeric: unknown,
  wilderness: unknown,
  soil: unknown,
  maxBatch: number,
  where: string,
): ModelInputRow[] {
  const width = NUMERIC_FEATURE_NAMES.length;
  if (!Array.isArray(numeric))
    throw new InvalidFieldError(`${where}.numeric`, `expected an array, got ${kindOf(numeric)}`);
  const flat = numeric.length > 0 && Array.isArray(numeric[0]) ? numeric.flat() : numeric;
  if (flat.length % width !== 0) {
    throw new InvalidFieldError(
      `${where}.numeric`,
      `has ${flat.length} values, expected a multiple of ${width}`,
    );
  }
  const n = flat.length / width;
  checkCount(n, maxBatch, `${where}.numeric`);
  const column = (values: unknown, name: string): unknown[] | undefined => {
    if (values === undefined || values === null) return undefined;
    if (!Array.isArray(values))
      throw new InvalidFieldError(`${where}.${name}`, `expected an array, got ${kindOf(values)}`);
    const col = values.length > 0 && Array.isArray(values[0]) ? values.flat() : values;
    if (col.length !== n)
      throw new InvalidFieldError(`${where}.${name}`, `has ${col.length} values, expected ${n}`);
    return col;
  };
  const areas = column(wilderness, 'Wilderness_Area');
  const soils = column(soil, 'Soil_Type');
  const rows = new Array<ModelInputRow>(n);
  for (let r = 0; r < n; r++) {
    const record: Record<string, unknown> = {};
    for (let f = 0; f < width; f++) record[NUMERIC_FEATURE_NAMES[f]!] = flat[r * width + f];
    if (areas) record.Wilderness_Area = areas[r];
    if (soils) record.Soil_Type = soils[r];
    rows[r] = checkRow(record, `${where}[${r}]`);
  }
  return rows;
}
