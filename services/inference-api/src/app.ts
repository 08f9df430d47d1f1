import { createServiceApp, type ZodApp } from '@covertype/service-kit';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ModelManagerOptions } from './model/model-manager.ts';
import { idleGcPlugin } from './plugins/idle-gc.ts';
import { Metrics, metricsPlugin } from './plugins/metrics.ts';
import { modelManagerPlugin } from './plugins/model-manager.ts';
import { createShedding, sheddingPlugin } from './plugins/shedding.ts';
import { healthRoutes } from './routes/health.ts';
import { mlflowRoutes } from './routes/mlflow.ts';
import { modelRoutes } from './routes/models.ts';
import { predictRoutes } from './routes/predict.ts';
import { v2Routes } from './routes/v2.ts';

export const SERVICE_VERSION = '0.1.0';

export interface AppOptions {
  /** What the model manager serves and how (its maxBatch is the app's). */
  model: Omit<ModelManagerOptions, 'maxBatch'>;
  metrics?: Metrics;
  logger: Logger | false;
  maxBatch: number;
  maxInflight: number;
  bodyLimit: number;
  /** Log one line per request (off by default: it costs CPU under load). */
  logRequests?: boolean;
  /** After this long without requests, collect garbage so memory grown under load is returned (0: never). */
  idleGcMs?: number;
}

/** The app, decorated with `models`, `metrics` and `inflight` by its plugins. */
export type App = ZodApp;

/**
 * Builds the inference API: the service skeleton, then our plugins (shedding, the model manager,
 * metrics, idle GC), then the routes. The model loads once the app is ready; `app.close()` stops it.
 */
export async function buildApp(options: AppOptions): Promise<App> {
  const metrics = options.metrics ?? new Metrics();
  // Shedding happens in the HTTP server itself, which Fastify builds from serverFactory.
  const shedding = createShedding({ maxInflight: options.maxInflight, metrics });
  const app = await createServiceApp({
    title: 'covertype inference API',
    version: SERVICE_VERSION,
    description:
      'Serves the registered covertype ONNX model: the workshop API (/predict), the MLflow scoring protocol (/invocations) and the Open Inference Protocol (/v2).',
    logger: options.logger,
    fastify: {
      bodyLimit: options.bodyLimit,
      logController: new LogController({ disableRequestLogging: !options.logRequests }),
      return503OnClosing: true,
      serverFactory: shedding.serverFactory,
    },
  });
  // JSON only (text/csv on /invocations): anything else is 415, not a string the routes must reject.
  app.removeContentTypeParser('text/plain');
  // A child logger per request costs CPU on every request; bind the request id only when logging requests.
  if (!options.logRequests) app.setChildLoggerFactory((logger) => logger);

  const { maxBatch } = options;
  await app.register(sheddingPlugin, { shedding });
  await app.register(modelManagerPlugin, { ...options.model, maxBatch });
  await app.register(metricsPlugin, { metrics });
  if (options.idleGcMs)
    await app.register(idleGcPlugin, { idleMs: options.idleGcMs, activity: shedding.arrivals });

  await app.register(predictRoutes, { maxBatch });
  await app.register(mlflowRoutes, { maxBatch, serverVersion: SERVICE_VERSION });
  await app.register(v2Routes, { maxBatch, serverVersion: SERVICE_VERSION });
  await app.register(modelRoutes);
  await app.register(healthRoutes);
  return app;
}
