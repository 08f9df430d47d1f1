import { SERVING_BATCH_ROWS } from '@covertype/schema';
import type { RoutePlugin } from '@covertype/service-kit';
import type { z } from 'zod';
import { ModelsResponseSchema } from '../schemas/models.ts';

/** What this process serves and what the registry holds. */
export const modelRoutes: RoutePlugin = async (app) => {
  const manager = app.models;
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
};
