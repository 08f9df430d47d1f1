import { Ajv, type ErrorObject, type Options } from 'ajv';
import { z } from 'zod';
import { CSV_COLUMNS, FEATURE_COLUMNS, LABEL_COLUMN } from './columns.ts';
import { COVER_TYPE_VALUES, type CoverType } from './cover-type.ts';
import { NUMERIC_FEATURES, type NumericFeatureName } from './features.ts';
import { MISSING_SOIL, MISSING_WILDERNESS } from './model-io.ts';
import { SOIL_TYPES, type SoilType } from './soil.ts';
import { toWildernessArea, WILDERNESS_AREAS, type WildernessArea } from './wilderness.ts';

export type NumericFeatures = Record<NumericFeatureName, number>;
export interface CovertypeFeatures extends NumericFeatures {
  Wilderness_Area: WildernessArea;
  Soil_Type: SoilType;
}
export interface CovertypeRow extends CovertypeFeatures {
  Cover_Type: CoverType;
}

/** One real row of the training data, used as the documented request example and in smoke tests. */
export const EXAMPLE_FEATURES: CovertypeFeatures = {
  Elevation: 2596,
  Aspect: 51,
  Slope: 3,
  Horizontal_Distance_To_Hydrology: 258,
  Vertical_Distance_To_Hydrology: 0,
  Horizontal_Distance_To_Roadways: 510,
  Hillshade_9am: 221,
  Hillshade_Noon: 232,
  Hillshade_3pm: 148,
  Horizontal_Distance_To_Fire_Points: 6279,
  Wilderness_Area: 'Rawah',
  Soil_Type: 7745,
};

/** The cover type recorded for EXAMPLE_FEATURES (the first row of UCI covtype.data): Aspen. */
export const EXAMPLE_COVER_TYPE: CoverType = 5;

/**
 * The one contract of a valid row, as JSON Schema built from the feature table (features.ts,
 * wilderness.ts, soil.ts). Ajv compiles it for every check: a request row (also the route's body in
 * /docs) and a data file's record (its strings read as numbers); the data API's byte scanner for
 * plain rows reads the same tables. Decisions:
 * - a numeric feature that is missing, not a number or outside its documented range is rejected (a
 *   tree would silently predict from a wrong branch);
 * - in a request, Wilderness_Area and Soil_Type may be absent, null or '' / 0: the model treats them
 *   as missing; in a data file they are required;
 * - an unknown wilderness name or soil code is rejected (a typo or another code list must not pass);
 * - other fields (Cover_Type in a request, ids) are ignored.
 */

/** The format of Wilderness_Area: a canonical or long name in any case, or '' (missing). */
export const WILDERNESS_FORMAT = 'covertype-wilderness-area';

const numericProperties = Object.fromEntries(
  NUMERIC_FEATURES.map((f) => [
    f.name,
    {
      type: 'number',
      minimum: f.min,
      maximum: f.max,
      description: `${f.description} (${f.unit}, ${f.min}..${f.max})`,
    },
  ]),
);
const NUMERIC_REQUIRED = NUMERIC_FEATURES.map((f) => f.name);

/** One row of a request: the model's features (JSON; Ajv with `nullable`, as OpenAPI 3.0). */
export const FEATURES_JSON_SCHEMA = {
  type: 'object',
  required: NUMERIC_REQUIRED,
  properties: {
    ...numericProperties,
    Wilderness_Area: {
      type: 'string',
      nullable: true,
      format: WILDERNESS_FORMAT,
      description: `One of ${WILDERNESS_AREAS.join(', ')} (long names accepted, any case); omitted, null or '' = missing. Unknown names are rejected.`,
      examples: [...WILDERNESS_AREAS],
    },
    Soil_Type: {
      type: 'integer',
      nullable: true,
      enum: [MISSING_SOIL, ...SOIL_TYPES, null],
      description:
        'USFS ELU soil code (one of the 40 of the UCI list); omitted, null or 0 = missing. Unknown codes are rejected.',
      examples: [SOIL_TYPES[28]],
    },
  },
  example: EXAMPLE_FEATURES,
} as const;

/** One record of a data file in CSV column order, as named fields (see `named`). */
const RECORD_JSON_SCHEMA = {
  type: 'object',
  required: [...CSV_COLUMNS],
  properties: {
    ...numericProperties,
    Wilderness_Area: { type: 'string', minLength: 1, format: WILDERNESS_FORMAT },
    Soil_Type: { type: 'integer', enum: [...SOIL_TYPES] },
    [LABEL_COLUMN]: { type: 'integer', minimum: 1, maximum: COVER_TYPE_VALUES.length },
  },
};
const FEATURE_RECORD_JSON_SCHEMA = {
  ...RECORD_JSON_SCHEMA,
  required: [...FEATURE_COLUMNS],
};

/** Ajv with the row's formats: what every compiled row check is built with. */
export function rowAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ strictNumbers: true, ...options });
  // OpenAPI's annotation, shown in /docs.
  ajv.addVocabulary(['example']);
  ajv.addFormat(
    WILDERNESS_FORMAT,
    (v: string) => v === MISSING_WILDERNESS || toWildernessArea(v) !== undefined,
  );
  return ajv;
}

/** One failed check of a row: the first field at fault (column order) and why. */
export interface RowProblem {
  field: string;
  reason: string;
}
export type RecordCheck = { ok: true; row: CovertypeRow } | ({ ok: false } & RowProblem);
export type FeatureCheck = { ok: true; row: CovertypeFeatures } | ({ ok: false } & RowProblem);

const csvAjv = rowAjv();
const WILDERNESS_INDEX = (CSV_COLUMNS as readonly string[]).indexOf('Wilderness_Area');
const validateRecord = csvAjv.compile(RECORD_JSON_SCHEMA);
const validateFeatureRecord = csvAjv.compile(FEATURE_RECORD_JSON_SCHEMA);
const BOUNDS = new Map(NUMERIC_FEATURES.map((f) => [f.name as string, f]));

/** The reason a data file gives for a field that failed its schema, with the value as it was. */
function recordProblem(error: ErrorObject, values: readonly unknown[]): RowProblem {
  const field = error.instancePath.slice(1);
  const raw = values[(CSV_COLUMNS as readonly string[]).indexOf(field)];
  const shown = JSON.stringify(raw ?? null);
  const spec = BOUNDS.get(field);
  if (spec) {
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (error.keyword === 'type' || !Number.isFinite(n))
      return { field, reason: `${shown} is not a finite number` };
    return {
      field,
      reason:
        error.keyword === 'minimum'
          ? `${n} is below the minimum ${spec.min}`
          : `${n} is above the maximum ${spec.max}`,
    };
  }
  if (field === 'Wilderness_Area')
    return { field, reason: `${shown} is not one of ${WILDERNESS_AREAS.join(', ')}` };
  if (field === 'Soil_Type') return { field, reason: `${shown} is not one of the 40 ELU soil codes` };
  return { field, reason: `${shown} is not a class 1..${COVER_TYPE_VALUES.length}` };
}

/**
 * Named fields of a record, numbers as numbers: a CSV's strings are converted here, so that the
 * schema sees NaN and ±Infinity as what they are, not numbers. An empty field (or anything but a
 * string or a number) is null, never left out: the schema then names the first bad field in column
 * order (Ajv reports a left-out key before any other problem).
 */
function named(values: readonly unknown[], columns: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const v = values[i];
    record[columns[i]!] =
      i === WILDERNESS_INDEX || typeof v === 'number'
        ? (v ?? null)
        : typeof v === 'string' && v.trim() !== ''
          ? Number(v)
          : null;
  }
  return record;
}

/**
 * Checks one record given in CSV column order (strings from a CSV or JSON values from the data API)
 * against the row schema; the wilderness name comes out canonical.
 */
export function checkFeatures(values: readonly unknown[]): FeatureCheck {
  const record = named(values, FEATURE_COLUMNS);
  if (!validateFeatureRecord(record))
    return { ok: false, ...recordProblem(validateFeatureRecord.errors![0]!, values) };
  record.Wilderness_Area = toWildernessArea(record.Wilderness_Area as string);
  return { ok: true, row: record as unknown as CovertypeFeatures };
}

export function checkRecord(values: readonly unknown[]): RecordCheck {
  const record = named(values, CSV_COLUMNS);
  if (!validateRecord(record)) return { ok: false, ...recordProblem(validateRecord.errors![0]!, values) };
  record.Wilderness_Area = toWildernessArea(record.Wilderness_Area as string);
  return { ok: true, row: record as unknown as CovertypeRow };
}

/** A cover class as a plain integer schema (responses). */
export const CoverTypeValueSchema = z
  .number()
  .int()
  .min(1)
  .max(7)
  .meta({ description: 'Forest cover class 1..7', examples: [...COVER_TYPE_VALUES] });
