import { EXAMPLE_COVER_TYPE, EXAMPLE_FEATURES, NUMERIC_FEATURE_NAMES } from '@covertype/schema';
import { z } from 'zod';

export const InvocationsBody = z
  .object({
    dataframe_split: z
      .object({
        columns: z.array(z.string()).optional(),
        data: z.array(z.array(z.unknown())),
        index: z.array(z.unknown()).optional(),
      })
      .optional(),
    dataframe_records: z.array(z.record(z.string(), z.unknown())).optional(),
    instances: z.array(z.unknown()).optional(),
    inputs: z.unknown().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({
    description:
      'Exactly one of dataframe_split, dataframe_records, instances, inputs (MLflow 2.x scoring protocol); or text/csv',
    example: {
      dataframe_split: {
        columns: [...NUMERIC_FEATURE_NAMES, 'Wilderness_Area', 'Soil_Type'],
        data: [
          [...NUMERIC_FEATURE_NAMES, 'Wilderness_Area', 'Soil_Type'].map(
            (c) => EXAMPLE_FEATURES[c as keyof typeof EXAMPLE_FEATURES],
          ),
        ],
      },
    },
  });

export const MlflowError = z.object({ error_code: z.string(), message: z.string() });

export const InvocationsResponse = z
  .object({
    predictions: z.object({
      label: z.array(z.number().int().min(1).max(7)),
      probabilities: z.array(z.array(z.number().min(0).max(1))),
    }),
  })
  .meta({
    description: 'The class of each row (1..7) and its 7 class probabilities, in row order',
    example: {
      predictions: {
        label: [EXAMPLE_COVER_TYPE],
        probabilities: [[0.02, 0.09, 0.01, 0, 0.85, 0.02, 0.01]],
      },
    },
  });
