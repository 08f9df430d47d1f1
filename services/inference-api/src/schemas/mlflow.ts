import { EXAMPLE_FEATURES, NUMERIC_FEATURE_NAMES } from '@covertype/schema';
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
