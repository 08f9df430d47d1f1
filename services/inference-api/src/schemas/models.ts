import { SERVING_BATCH_ROWS } from '@covertype/schema';
import { z } from 'zod';

const LoadedSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  uri: z.string(),
  alias: z.string().nullable(),
  stage: z.string().nullable(),
  run_id: z.string().nullable(),
  loaded_at: z.string().meta({ description: 'ISO time the version was loaded into this process' }),
  default: z.boolean().meta({ description: 'true for the model MODEL_URI names (served without ?model=)' }),
  source: z.enum(['registry', 'cache', 'folder']).meta({
    description:
      'registry: resolved in the registry now; cache: served from the local cache, not yet confirmed by the registry; folder: a local model folder',
  }),
  registry: z
    .string()
    .nullable()
    .meta({ description: 'the registry (tracking URI) this version was resolved in, null for a folder' }),
  cached_at: z
    .string()
    .nullable()
    .meta({ description: 'for source cache: when this version was cached from that registry' }),
  serving_cost: z
    .object({
      us_per_row_single: z.number().meta({ description: 'median µs of a one-row onnxruntime run' }),
      [`us_per_row_batch${SERVING_BATCH_ROWS}`]: z
        .number()
        .meta({ description: `median µs of a ${SERVING_BATCH_ROWS}-row run, per row` }),
      onnx_bytes: z.number().int(),
      trees: z.number().int(),
    })
    .nullable()
    .meta({
      description:
        "the version's serving cost as the promotion gate measured it on the trainer's machine (its serving.* tags); null when the version has none",
    }),
});

export const ModelsResponseSchema = z.object({
  model_uri: z.string(),
  loaded: z.array(LoadedSchema),
  registered: z.array(
    z.object({
      name: z.string(),
      versions: z.array(
        z.object({
          version: z.string(),
          aliases: z.array(z.string()),
          stage: z.string().optional(),
          run_id: z.string().optional(),
        }),
      ),
    }),
  ),
  registry_error: z.string().optional(),
});
