import {
  EXAMPLE_FEATURES,
  isSoilType,
  NumericFeaturesSchema,
  SOIL_TYPES,
  toWildernessArea,
  WILDERNESS_AREAS,
} from '@covertype/schema';
import { z } from 'zod';

/** One row as /predict takes it (documentation; the hot path checks with input/row.ts). */
export const PredictRowSchema = NumericFeaturesSchema.extend({
  Wilderness_Area: z
    .string()
    .refine((v) => v === '' || toWildernessArea(v) !== undefined, { message: 'unknown wilderness area' })
    .nullable()
    .optional()
    .meta({
      description: `One of ${WILDERNESS_AREAS.join(', ')} (long names accepted); omitted, null or '' = missing. Unknown names are rejected.`,
    }),
  Soil_Type: z
    .number()
    .int()
    .refine((v) => v === 0 || isSoilType(v), { message: 'unknown soil code' })
    .nullable()
    .optional()
    .meta({
      description:
        'USFS ELU soil code (one of the 40 of the UCI list); omitted, null or 0 = missing. Unknown codes are rejected.',
      examples: [SOIL_TYPES[28]],
    }),
}).meta({
  example: EXAMPLE_FEATURES,
});

export const ModelQuerySchema = z.object({
  model: z.string().max(300).optional().meta({
    description: 'Another registered model: name, name@alias or name/version (default: the served one)',
  }),
});

const probabilities = z
  .array(z.number())
  .meta({ description: 'Probability of each Cover_Type, class order 1..7' });

export const PredictionSchema = z.object({
  Cover_Type: z.number().int().meta({ description: 'Predicted forest cover class 1..7' }),
  class_name: z.string(),
  probabilities,
});

export const PredictResponseSchema = z.object({
  model: z.string(),
  version: z.string().nullable(),
  ...PredictionSchema.shape,
});

export const BatchBodySchema = z.object({ rows: z.array(PredictRowSchema) });

export const BatchResponseSchema = z.object({
  model: z.string(),
  version: z.string().nullable(),
  predictions: z.array(PredictionSchema),
});

export const ErrorSchema = z.object({
  statusCode: z.number(),
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
});
