import { type ModelInputRow, NUMERIC_FEATURE_NAMES } from '@covertype/schema';
import { parse } from 'csv-parse/sync';
import { InvalidFieldError, InvalidMlflowInputError } from '../errors.ts';
import { kindOf } from './row.ts';
import { rowsFromArrays, rowsFromColumns, rowsFromModelTensors, rowsFromRecords } from './tables.ts';

/** The bodies of MLflow's scoring protocol (`POST /invocations`) as rows. */

export const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
const NUMERIC = new Set<string>(NUMERIC_FEATURE_NAMES);

/** MLflow's rule: exactly one of the four format keys (plus optional params). */
export function rowsFromMlflowJson(body: unknown, maxBatch: number): ModelInputRow[] {
  if (Array.isArray(body)) {
    throw new InvalidMlflowInputError(
      `Expected an object with one of ${FORMATS.join(', ')}. Received a list.`,
    );
  }
  if (typeof body !== 'object' || body === null) {
    throw new InvalidMlflowInputError(
      `Expected a JSON object with one of ${FORMATS.join(', ')}, got ${kindOf(body)}`,
    );
  }
  const keys = FORMATS.filter((k) => k in body);
  if (keys.length !== 1) {
    throw new InvalidMlflowInputError(
      `The body must have exactly one of ${FORMATS.join(', ')}${keys.length ? `; got ${keys.join(' and ')}` : ''} (the protocol changed in MLflow 2.0).`,
    );
  }
  const b = body as Record<string, unknown>;
  switch (keys[0]) {
    case 'dataframe_split': {
      const split = b.dataframe_split as { columns?: unknown; data?: unknown } | null;
      if (typeof split !== 'object' || split === null) {
        throw new InvalidFieldError('dataframe_split', `expected {columns, data}, got ${kindOf(split)}`);
      }
      const columns = split.columns;
      if (
        columns !== undefined &&
        (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string'))
      ) {
        throw new InvalidFieldError('dataframe_split.columns', 'expected an array of column names');
      }
      return rowsFromArrays(split.data, columns as string[] | undefined, maxBatch, 'dataframe_split.data');
    }
    case 'dataframe_records':
      return rowsFromRecords(b.dataframe_records, maxBatch, 'dataframe_records');
    case 'instances': {
      const instances = b.instances;
      if (Array.isArray(instances) && instances.length > 0 && !Array.isArray(instances[0])) {
        return rowsFromRecords(instances, maxBatch, 'instances');
      }
      return rowsFromArrays(instances, undefined, maxBatch, 'instances');
    }
    default: {
      const inputs = b.inputs;
      if (Array.isArray(inputs)) return rowsFromArrays(inputs, undefined, maxBatch, 'inputs');
      if (typeof inputs !== 'object' || inputs === null) {
        throw new InvalidFieldError(
          'inputs',
          `expected a list of rows or named tensors, got ${kindOf(inputs)}`,
        );
      }
      const named = inputs as Record<string, unknown>;
      if ('numeric' in named) {
        return rowsFromModelTensors(
          named.numeric,
          named.Wilderness_Area,
          named.Soil_Type,
          maxBatch,
          'inputs',
        );
      }
      return rowsFromColumns(named, maxBatch, 'inputs');
    }
  }
}

/** A header line with column names, then one row per line (RFC 4180: quoted fields, CRLF, a BOM). */
export function rowsFromCsv(text: string, maxBatch: number): ModelInputRow[] {
  let records: string[][];
  try {
    // Rows of the wrong width reach rowsFromArrays, whose message names the row and the columns.
    records = parse(text, { bom: true, trim: true, relax_column_count: true, skip_empty_lines: true });
  } catch (err) {
    throw new InvalidFieldError('CSV body', (err as Error).message, 'csv');
  }
  const lines = records.filter((r) => !(r.length === 1 && r[0] === ''));
  if (lines.length < 2)
    throw new InvalidFieldError('CSV body', 'expected a header line and at least one row', 'csv');
  const columns = lines[0]!;
  const data = lines.slice(1).map((line) =>
    line.map((v, i) => {
      const name = columns[i]!;
      if (v === '') return undefined;
      return NUMERIC.has(name) || name === 'Soil_Type' ? (Number.isNaN(Number(v)) ? v : Number(v)) : v;
    }),
  );
  return rowsFromArrays(data, columns, maxBatch, 'csv');
}
