import {
  COVER_TYPES,
  CoverTypeValueSchema,
  EXAMPLE_COVER_TYPE,
  EXAMPLE_FEATURES,
  FEATURES_JSON_SCHEMA,
} from '@covertype/schema';
import { z } from 'zod';

/** One row as /predict takes it: the row contract itself (input/row.ts validates with it too). */
export const PredictRowSchema = FEATURES_JSON_SCHEMA;

export const ModelQuerySchema = z.object({
  model: z.string().max(300).optional().meta({
    description: 'Another registered model: name, name@alias or name/version (default: the served one)',
  }),
});

const probabilities = z
  .array(z.number().min(0).max(1))
  .meta({ description: 'Probability of each Cover_Type, class order 1..7 (they sum to 1)' });

export const PredictionSchema = z.object({
  Cover_Type: CoverTypeValueSchema.meta({ description: 'Predicted forest cover class 1..7' }),
  class_name: z.string().meta({ description: 'The class name in the UCI documentation' }),
  probabilities,
});

/** What a model answers for EXAMPLE_FEATURES: that row's recorded class, with a plausible confidence. */
const EXAMPLE_PREDICTION = {
  Cover_Type: EXAMPLE_COVER_TYPE,
  class_name: COVER_TYPES[EXAMPLE_COVER_TYPE],
  probabilities: [0.02, 0.09, 0.01, 0, 0.85, 0.02, 0.01],
};
const EXAMPLE_MODEL = { model: 'covertype', version: '3' };

const servedModel = {
  model: z.string().meta({ description: 'Registered model name' }),
  version: z.string().nullable().meta({ description: 'Registered version (null for a model folder)' }),
};

export const PredictResponseSchema = z.object({ ...servedModel, ...PredictionSchema.shape }).meta({
  description: 'The predicted class, its name and the probability of each class',
  example: { ...EXAMPLE_MODEL, ...EXAMPLE_PREDICTION },
});

export const BatchBodySchema = {
  type: 'object',
  required: ['rows'],
  properties: { rows: { type: 'array', items: FEATURES_JSON_SCHEMA } },
  example: { rows: [EXAMPLE_FEATURES] },
} as const;

export const BatchResponseSchema = z.object({ ...servedModel, predictions: z.array(PredictionSchema) }).meta({
  description: 'One prediction per row, in the order of the rows',
  example: { ...EXAMPLE_MODEL, predictions: [EXAMPLE_PREDICTION] },
});
