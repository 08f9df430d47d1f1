import {
  FEATURES_JSON_SCHEMA,
  MISSING_SOIL,
  MISSING_WILDERNESS,
  type ModelInputRow,
  NUMERIC_FEATURES,
  rowAjv,
  toWildernessArea,
  WILDERNESS_AREAS,
} from '@covertype/schema';
import { listNames } from '@covertype/service-kit';
import type { ErrorObject } from 'ajv';
import { fieldOf, InvalidFieldError } from '../errors.ts';

/** The row contract (@covertype/schema's FEATURES_JSON_SCHEMA, also /predict's body in /docs), compiled once. */
const validateRow = rowAjv().compile(FEATURES_JSON_SCHEMA);
const SPECS = new Map(NUMERIC_FEATURES.map((f) => [f.name as string, f]));

/**
 * Checks one covertype row from JSON against the row schema (every protocol ends here) and returns
 * it as the model takes it: the wilderness name canonical, missing categories as the model's
 * missing values ('' and 0). The row object itself is reused; other fields are left as they are.
 */
export function checkRow(value: unknown, where = 'body'): ModelInputRow {
  if (!validateRow(value)) throw rowError(validateRow.errors![0]!, value, where);
  const row = value as Record<string, unknown>;
  const area = row.Wilderness_Area as string | null | undefined;
  row.Wilderness_Area = area ? toWildernessArea(area) : MISSING_WILDERNESS;
  row.Soil_Type ??= MISSING_SOIL;
  return row as ModelInputRow;
}

/** The 400 for the schema's first objection: the field at fault, what arrived and what was expected. */
function rowError(error: ErrorObject, value: unknown, where: string): InvalidFieldError {
  const input = value as Record<string, unknown>;
  if (error.keyword === 'required') return missingError(where, input);
  const name = error.instancePath.slice(1);
  if (!name)
    return new InvalidFieldError(
      where,
      `expected an object with the covertype features, got ${kindOf(value)}`,
    );
  const path = `${where}.${name}`;
  const v = input[name];
  const spec = SPECS.get(name);
  if (spec) {
    if (typeof v !== 'number')
      return new InvalidFieldError(path, `expected a number ${spec.min}..${spec.max}, got ${kindOf(v)}`);
    if (!Number.isFinite(v)) return new InvalidFieldError(path, `${v} is not a finite number`);
    return new InvalidFieldError(path, `${v} is out of range; expected ${spec.min}..${spec.max}`);
  }
  if (name === 'Wilderness_Area') {
    if (error.keyword === 'type') return new InvalidFieldError(path, `expected a string, got ${kindOf(v)}`);
    return new InvalidFieldError(
      path,
      `unknown wilderness area ${JSON.stringify(v)}; expected one of ${WILDERNESS_AREAS.join(', ')} (or omit it)`,
    );
  }
  if (error.keyword === 'type')
    return new InvalidFieldError(path, `expected an integer ELU soil code, got ${kindOf(v)}`);
  return new InvalidFieldError(
    path,
    `unknown soil code ${v}; expected one of the 40 ELU codes of the UCI documentation (e.g. 7745), or omit it`,
  );
}

/** Every missing numeric feature in one message (one alone keeps the one-field message). */
function missingError(where: string, input: Record<string, unknown>): InvalidFieldError {
  const missing = NUMERIC_FEATURES.filter((spec) => input[spec.name] === undefined);
  const first = missing[0]!;
  const path = `${where}.${first.name}`;
  if (missing.length === 1)
    return new InvalidFieldError(path, `missing field (a number ${first.min}..${first.max})`);
  const known = new Set<string>(NUMERIC_FEATURES.map((f) => f.name));
  const others = Object.keys(input).filter(
    (k) => !known.has(k) && k !== 'Wilderness_Area' && k !== 'Soil_Type',
  );
  return new InvalidFieldError(
    where,
    `${missing.length} required fields are missing: ${listNames(missing.map((s) => `${s.name} (${s.min}..${s.max})`))}${others.length ? `; other fields given: ${listNames(others.map((k) => JSON.stringify(k)))}` : ''}`,
    fieldOf(path),
  );
}

export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}
