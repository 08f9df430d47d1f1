import { createServiceApp, type ZodApp } from '@covertype/service-kit';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ModelManager } from './model/model-manager.ts';
import { startIdleCollector } from './plugins/idle-gc.ts';
import { Metrics, registerMetrics } from './plugins/metrics.ts';
import { createShedding } from './plugins/shedding.ts';
import { healthRoutes } from './routes/health.ts';
import { mlflowRoutes } from './routes/mlflow.ts';
import { modelRoutes } from './routes/models.ts';
import { predictRoutes } from './routes/predict.ts';
import { v2Routes } from './routes/v2.ts';

export const SERVICE_VERSION = '0.1.0';

export interface AppOptions {
  manager: ModelManager;
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

export type App = ZodApp & { metrics: Metrics; inflight: () => number };

/** Builds the inference API around an injected model manager; tests use app.inject on it. */
export async function buildApp(options: AppOptions): Promise<App> {
  const metrics = options.metrics ?? new Metrics();
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
  app.addHook('preClose', (done) => {
    shedding.closing();
    done();
  });
  if (options.idleGcMs) {
    const collector = startIdleCollector({
      activity: shedding.arrivals,
      idleMs: options.idleGcMs,
      onCollect: ({ youngBefore, youngAfter, ms }) =>
        app.log.debug(
          { youngBeforeMb: youngBefore / 2 ** 20, youngAfterMb: youngAfter / 2 ** 20, ms },
          'idle: garbage collected',
        ),
    });
    app.addHook('onClose', (_app, done) => {
      collector.stop();
      done();
    });
  }
  registerMetrics(app, metrics);
  options.manager
    .on('inference', (seconds, rows, model) => metrics.observeInference(seconds, rows, model))
    .on('load', ({ model, previous }) => {
      metrics.setModel(model, previous);
      metrics.reloads.inc({ result: 'loaded' });
    })
    .on('refused', () => metrics.reloads.inc({ result: 'refused' }));
  if (options.manager.current) metrics.setModel(options.manager.current);

  const { manager, maxBatch } = options;
  predictRoutes(app, { manager, maxBatch });
  mlflowRoutes(app, { manager, maxBatch, serverVersion: SERVICE_VERSION });
  v2Routes(app, { manager, maxBatch, serverVersion: SERVICE_VERSION });
  modelRoutes(app, { manager });
  healthRoutes(app, { manager, metrics });

  return Object.assign(app, { metrics, inflight: shedding.inflight });
}
