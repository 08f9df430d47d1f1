import type { RoutePlugin } from '@covertype/service-kit';
import { z } from 'zod';
import { RETRY_AFTER_NOT_READY } from '../errors.ts';
import { LoadingSchema, ReadySchema } from '../schemas/health.ts';

/** Readiness (the default model is loaded) and the Prometheus scrape. Liveness is /healthz from service-kit. */
export const healthRoutes: RoutePlugin = async (app) => {
  const { models: manager, metrics } = app;
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: a model is loaded and serving',
        tags: ['health'],
        response: {
          200: ReadySchema,
          503: LoadingSchema,
        },
      },
    },
    async (_request, reply) => {
      const model = manager.current;
      if (!model) {
        return reply
          .code(503)
          .header('retry-after', RETRY_AFTER_NOT_READY)
          .send({ status: 'loading' as const, message: manager.notReadyMessage() });
      }
      return { status: 'ready' as const, model: model.name, version: model.version ?? null };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['health'],
        produces: ['text/plain'],
        response: { 200: z.string().meta({ description: 'Prometheus text exposition format' }) },
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply
        .type(metrics.registry.contentType)
        .serializer((s: unknown) => s as string)
        .send(text);
    },
  );
};
