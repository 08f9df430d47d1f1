import { SERVING_BATCH_ROWS } from '@covertype/schema';
import type { ZodApp } from '@covertype/service-kit';
import { z } from 'zod';
import type { ModelManager } from '../model/model-manager.ts';

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

const ModelsResponseSchema = z.object({
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

/** What this process serves and what the registry holds. */
export function modelRoutes(app: ZodApp, { manager }: { manager: ModelManager }): void {
  app.get(
    '/models',
    {
      schema: {
        summary: 'Registered models, and the versions loaded here with their load times',
        tags: ['models'],
        response: {
          200: ModelsResponseSchema.meta({
            description:
              'Loaded versions, and the registry (registry_error says why when it cannot be listed)',
          }),
        },
      },
    },
    async () => {
      const current = manager.current;
      const loaded = (await manager.loaded()).map((m) => ({
        name: m.name,
        version: m.version ?? null,
        uri: m.resolved.uri,
        alias: m.resolved.alias ?? null,
        stage: m.resolved.stage ?? null,
        run_id: m.resolved.runId ?? null,
        loaded_at: m.loadedAt.toISOString(),
        default: m === current,
        source:
          m.cachedAt !== undefined
            ? ('cache' as const)
            : m.resolved.registry
              ? ('registry' as const)
              : ('folder' as const),
        registry: m.resolved.registry ?? null,
        cached_at: m.cachedAt ?? null,
        serving_cost: m.resolved.servingCost
          ? {
              us_per_row_single: m.resolved.servingCost.usPerRowSingle,
              [`us_per_row_batch${SERVING_BATCH_ROWS}`]: m.resolved.servingCost.usPerRowBatch,
              onnx_bytes: m.resolved.servingCost.onnxBytes,
              trees: m.resolved.servingCost.trees,
            }
          : null,
      }));
      let registered: z.output<typeof ModelsResponseSchema>['registered'] = [];
      let registryError: string | undefined;
      try {
        registered = (await manager.registry()).map((r) => ({
          name: r.name,
          versions: r.versions.map((v) => ({
            version: v.version,
            aliases: v.aliases,
            ...(v.stage ? { stage: v.stage } : {}),
            ...(v.runId ? { run_id: v.runId } : {}),
          })),
        }));
      } catch (err) {
        registryError = `the registry cannot be listed now: ${(err as Error).message}`;
      }
      return {
        model_uri: manager.uri,
        loaded,
        registered,
        ...(registryError ? { registry_error: registryError } : {}),
      };
    },
  );
}
