import {
  isSoilType,
  MISSING_SOIL,
  MISSING_WILDERNESS,
  type ModelInputRow,
  NUMERIC_FEATURES,
  toWildernessArea,
  WILDERNESS_AREAS,
} from '@covertype/schema';
import { listNames } from '@covertype/service-kit';
import { fieldOf, InvalidFieldError } from '../errors.ts';

/**
 * Fast hand-written validation of one covertype row from JSON (the zod schemas in schemas.ts
 * document the same rules for OpenAPI; a test keeps the two in agreement). Decisions:
 * - a numeric feature that is missing, not a number, NaN/±Infinity or outside its documented
 *   range is rejected: a tree would silently predict from a wrong branch;
 * - Wilderness_Area and Soil_Type may be absent, null or '' / 0: the model treats them as missing;
 * - an unknown wilderness name or soil code is rejected (most likely a typo or a different code
 *   list, which must not pass unnoticed);
 * - other fields (Cover_Type, ids) are ignored.
 */
export function checkRow(value: unknown, where = 'body'): ModelInputRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidFieldError(
      where,
      `expected an object with the covertype features, got ${kindOf(value)}`,
    );
  }
  const input = value as Record<string, unknown>;
  const row = {} as Record<string, unknown>;
  for (let i = 0; i < NUMERIC_FEATURES.length; i++) {
    const spec = NUMERIC_FEATURES[i]!;
    const v = input[spec.name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min || v > spec.max) {
      if (v === undefined) throw missingError(where, input, i);
      throw numericError(where, spec.name, v, spec.min, spec.max);
    }
    row[spec.name] = v;
  }
  row.Wilderness_Area = checkWilderness(input.Wilderness_Area, where);
  row.Soil_Type = checkSoil(input.Soil_Type, where);
  return row as ModelInputRow;
}

export function checkWilderness(v: unknown, where: string): string {
  if (v === undefined || v === null || v === MISSING_WILDERNESS) return MISSING_WILDERNESS;
  if (typeof v !== 'string') {
    throw new InvalidFieldError(`${where}.Wilderness_Area`, `expected a string, got ${kindOf(v)}`);
  }
  const area = toWildernessArea(v);
  if (area === undefined) {
    throw new InvalidFieldError(
      `${where}.Wilderness_Area`,
      `unknown wilderness area ${JSON.stringify(v)}; expected one of ${WILDERNESS_AREAS.join(', ')} (or omit it)`,
    );
  }
  return area;
}

export function checkSoil(v: unknown, where: string): number {
  if (v === undefined || v === null || v === MISSING_SOIL) return MISSING_SOIL;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new InvalidFieldError(`${where}.Soil_Type`, `expected an integer ELU soil code, got ${kindOf(v)}`);
  }
  if (!isSoilType(v)) {
    throw new InvalidFieldError(
      `${where}.Soil_Type`,
      `unknown soil code ${v}; expected one of the 40 ELU codes of the UCI documentation (e.g. 7745), or omit it`,
    );
  }
  return v;
}

function numericError(where: string, name: string, v: unknown, min: number, max: number): InvalidFieldError {
  const path = `${where}.${name}`;
  if (v === undefined) return new InvalidFieldError(path, `missing field (a number ${min}..${max})`);
  if (typeof v !== 'number') {
    return new InvalidFieldError(path, `expected a number ${min}..${max}, got ${kindOf(v)}`);
  }
  if (!Number.isFinite(v)) return new InvalidFieldError(path, `${v} is not a finite number`);
  return new InvalidFieldError(path, `${v} is out of range; expected ${min}..${max}`);
}

/** Every missing numeric feature from index `from` on (the earlier ones are present), in one message. */
function missingError(where: string, input: Record<string, unknown>, from: number): InvalidFieldError {
  const missing = NUMERIC_FEATURES.slice(from).filter((spec) => input[spec.name] === undefined);
  const first = missing[0]!;
  if (missing.length === 1) return numericError(where, first.name, undefined, first.min, first.max);
  const known = new Set<string>(NUMERIC_FEATURES.map((f) => f.name));
  const others = Object.keys(input).filter(
    (k) => !known.has(k) && k !== 'Wilderness_Area' && k !== 'Soil_Type',
  );
  return new InvalidFieldError(
    where,
    `${missing.length} required fields are missing: ${listNames(missing.map((s) => `${s.name} (${s.min}..${s.max})`))}${others.length ? `; other fields given: ${listNames(others.map((k) => JSON.stringify(k)))}` : ''}`,
    fieldOf(`${where}.${first.name}`),
  );
}

export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}
