import { z } from 'zod';
import { LABEL_COLUMN } from './columns.ts';
import { COVER_TYPE_VALUES, type CoverType, isCoverType } from './cover-type.ts';
import { NUMERIC_FEATURES, type NumericFeatureName } from './features.ts';
import { isSoilType, SOIL_TYPES, type SoilType } from './soil.ts';
import { toWildernessArea, WILDERNESS_AREAS, type WildernessArea } from './wilderness.ts';

export type NumericFeatures = Record<NumericFeatureName, number>;
export interface CovertypeFeatures extends NumericFeatures {
  Wilderness_Area: WildernessArea;
  Soil_Type: SoilType;
}
export interface CovertypeRow extends CovertypeFeatures {
  Cover_Type: CoverType;
}

const numericShape = Object.fromEntries(
  NUMERIC_FEATURES.map((f) => [
    f.name,
    z
      .number()
      .min(f.min)
      .max(f.max)
      .meta({ description: `${f.description} (${f.unit}, ${f.min}..${f.max})` }),
  ]),
) as Record<NumericFeatureName, z.ZodNumber>;

/** The ten numeric features; z.number() already refuses NaN and ±Infinity. */
export const NumericFeaturesSchema = z.object(numericShape);

/** Accepts the canonical name or a known long name ("Comanche Peak", "Cache la Poudre") and maps it. */
export const WildernessAreaSchema = z
  .string()
  .transform((value, ctx) => {
    const area = toWildernessArea(value);
    if (area === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown wilderness area "${value}"; expected one of ${WILDERNESS_AREAS.join(', ')}`,
      });
      return z.NEVER;
    }
    return area;
  })
  .meta({ description: `Wilderness area: ${WILDERNESS_AREAS.join(', ')} (long names are accepted)` });

export const SoilTypeSchema = z
  .number()
  .int()
  .min(SOIL_TYPES[0])
  .max(SOIL_TYPES[SOIL_TYPES.length - 1]!)
  .refine(isSoilType, { message: 'not one of the 40 ELU soil codes of the UCI documentation' })
  .transform((code) => code as SoilType)
  .meta({
    description: 'USFS ELU soil code, one of the 40 of the UCI documentation (e.g. 7745)',
    enum: [...SOIL_TYPES],
    examples: [SOIL_TYPES[28]],
  });

/** A cover class as a plain integer schema (responses: a transform has no JSON Schema). */
export const CoverTypeValueSchema = z
  .number()
  .int()
  .min(1)
  .max(7)
  .meta({ description: 'Forest cover class 1..7', examples: [...COVER_TYPE_VALUES] });

export const CoverTypeSchema = CoverTypeValueSchema.transform((v) => v as CoverType);

export const CovertypeFeaturesSchema = NumericFeaturesSchema.extend({
  Wilderness_Area: WildernessAreaSchema,
  Soil_Type: SoilTypeSchema,
});

export const CovertypeRowSchema = CovertypeFeaturesSchema.extend({ [LABEL_COLUMN]: CoverTypeSchema });

export type RecordCheck = { ok: true; row: CovertypeRow } | { ok: false; field: string; reason: string };
export type FeatureCheck =
  | { ok: true; row: CovertypeFeatures }
  | { ok: false; field: string; reason: string };

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/**
 * Checks one record given in CSV column order (strings from a CSV or JSON values from the data API).
 * A hand-rolled twin of CovertypeRowSchema: zod per row is too slow for 581,012 rows at start-up;
 * a test keeps the two in agreement.
 */
export function checkFeatures(values: readonly unknown[]): FeatureCheck {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < NUMERIC_FEATURES.length; i++) {
    const spec = NUMERIC_FEATURES[i]!;
    const raw = values[i];
    const n = toNumber(raw);
    if (!Number.isFinite(n)) {
      return { ok: false, field: spec.name, reason: `${JSON.stringify(raw ?? null)} is not a finite number` };
    }
    if (n < spec.min) return { ok: false, field: spec.name, reason: `${n} is below the minimum ${spec.min}` };
    if (n > spec.max) return { ok: false, field: spec.name, reason: `${n} is above the maximum ${spec.max}` };
    row[spec.name] = n;
  }
  const rawArea = values[10];
  const area = typeof rawArea === 'string' ? toWildernessArea(rawArea) : undefined;
  if (area === undefined) {
    return {
      ok: false,
      field: 'Wilderness_Area',
      reason: `${JSON.stringify(rawArea ?? null)} is not one of ${WILDERNESS_AREAS.join(', ')}`,
    };
  }
  row.Wilderness_Area = area;
  const soil = toNumber(values[11]);
  if (!isSoilType(soil)) {
    return {
      ok: false,
      field: 'Soil_Type',
      reason: `${JSON.stringify(values[11] ?? null)} is not one of the 40 ELU soil codes`,
    };
  }
  row.Soil_Type = soil;
  return { ok: true, row: row as unknown as CovertypeFeatures };
}

export function checkRecord(values: readonly unknown[]): RecordCheck {
  const features = checkFeatures(values);
  if (!features.ok) return features;
  const label = toNumber(values[12]);
  if (!isCoverType(label)) {
    return {
      ok: false,
      field: LABEL_COLUMN,
      reason: `${JSON.stringify(values[12] ?? null)} is not a class 1..7`,
    };
  }
  return { ok: true, row: { ...features.row, Cover_Type: label } };
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
