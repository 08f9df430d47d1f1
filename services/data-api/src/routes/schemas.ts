import { CSV_COLUMNS } from '@covertype/schema';
import { z } from 'zod';
import { BATCHES_PER_GROUP, GROUPS } from '../batches/batch-plan.ts';

const GROUP_HINT = `an integer from 1 to ${GROUPS}`;

/** Query strings arrive as text: accept only plain integers ("3", not "3.0", "0x3" or "1e0"). */
export const GroupNumberSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? `group_number is required (${GROUP_HINT})`
        : `group_number must be ${GROUP_HINT}, got ${JSON.stringify(issue.input)}`,
  })
  .trim()
  .refine((v) => /^\d{1,9}$/.test(v) && Number(v) >= 1 && Number(v) <= GROUPS, {
    error: (issue) => `group_number must be ${GROUP_HINT}, got ${JSON.stringify(issue.input)}`,
  })
  .transform(Number)
  .meta({
    description: `The group, ${GROUP_HINT}`,
    type: 'integer',
    minimum: 1,
    maximum: GROUPS,
    example: 1,
  });

export const GroupQuerySchema = z.object({ group_number: GroupNumberSchema });

const CellSchema = z.union([z.number(), z.string(), z.null()]);

export const DataResponseSchema = z.object({
  group_number: z.number().int().min(1).max(GROUPS),
  batch_number: z.number().int().min(1).max(BATCHES_PER_GROUP),
  data: z.array(z.array(CellSchema)).meta({
    description:
      `Rows of the batch, each in CSV column order: ${CSV_COLUMNS.join(', ')}. Numbers are JSON numbers ` +
      'and Wilderness_Area a string. Rows that fail validation are served as they are in the file.',
  }),
});

export const RestartResponseSchema = z.object({
  group_number: z.number().int(),
  batch_number: z.literal(0),
  message: z.string(),
});

export const GroupStatusSchema = z.object({
  group_number: z.number().int(),
  batch_number: z.number().int().meta({ description: 'Last batch served; 0 before the first' }),
  exhausted: z.boolean(),
  rows: z.number().int().meta({ description: "Rows in the group's slice" }),
  next_batch_at: z.string().nullable().meta({ description: 'When the next batch becomes available' }),
});

export const SummaryResponseSchema = z.object({
  data_path: z.string(),
  rows: z.number().int(),
  groups: z.number().int(),
  batches_per_group: z.number().int(),
  batch_size: z.object({ min: z.number().int(), max: z.number().int() }),
  min_update_time_seconds: z.number(),
  seed: z.string(),
  invalid_rows: z.object({
    count: z.number().int(),
    by_field: z.record(z.string(), z.number().int()),
    by_reason: z.record(z.string(), z.number().int()),
    examples: z.array(z.object({ line: z.number().int(), field: z.string(), reason: z.string() })),
  }),
  progress: z.array(GroupStatusSchema),
});

/** The shape of every 4xx answer (the service kit's error handler). */
export const ErrorResponseSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
  reason: z.string().optional(),
});
