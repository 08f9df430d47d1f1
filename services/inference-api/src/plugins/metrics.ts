import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { LoadedModel } from '../model/loaded-model.ts';

/** The service's Prometheus metrics, in a registry of its own (tests build many apps). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly inflight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests being handled now',
    registers: [this.registry],
  });
  readonly shed = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests refused with 503 because MAX_INFLIGHT requests were already in flight',
    registers: [this.registry],
  });
  readonly inference = new Histogram({
    name: 'model_inference_duration_seconds',
    help: 'Time of one onnxruntime run (one or more rows)',
    labelNames: ['model'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly inferenceRows = new Counter({
    name: 'model_inference_rows_total',
    help: 'Rows predicted',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly modelInfo = new Gauge({
    name: 'model_info',
    help: 'The model serving by default (value 1) with its registry name, version and URI',
    labelNames: ['name', 'version', 'uri'] as const,
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'model_reloads_total',
    help: 'New model versions swapped in (result=loaded) or refused by validation (result=refused)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Includes process_resident_memory_bytes and nodejs_eventloop_lag_* among others.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  // Child metrics cached per label set: labels() hashes its arguments on every call.
  private readonly children = new Map<string, { count: Counter; time: Histogram }>();

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let child = this.children.get(key);
    if (!child) {
      const labels = { route, method, status: String(status) };
      child = {
        count: this.requests.labels(labels) as unknown as Counter,
        time: this.duration.labels(labels) as unknown as Histogram,
      };
      this.children.set(key, child);
    }
    child.count.inc();
    child.time.observe(seconds);
  }

  observeInference(seconds: number, rows: number, model: LoadedModel): void {
    this.inference.observe({ model: model.name }, seconds);
    this.inferenceRows.inc({ model: model.name }, rows);
  }

  setModel(model: LoadedModel, previous?: LoadedModel): void {
    if (previous)
      this.modelInfo.remove({
        name: previous.name,
        version: previous.version ?? '',
        uri: previous.resolved.uri,
      });
    this.modelInfo.set({ name: model.name, version: model.version ?? '', uri: model.resolved.uri }, 1);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

/**
 * Decorates the app with its metrics, counts and times every request by route pattern (not raw
 * URL, to keep label sets bounded) and follows the model manager's events.
 */
export const metricsPlugin = fp<{ metrics: Metrics }>(
  async (app, { metrics }) => {
    app.decorate('metrics', metrics);
    // One hook: Fastify already timestamps every reply (reply.elapsedTime, ms).
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.models
      .on('inference', (seconds, rows, model) => metrics.observeInference(seconds, rows, model))
      .on('load', ({ model, previous }) => {
        metrics.setModel(model, previous);
        metrics.reloads.inc({ result: 'loaded' });
      })
      .on('refused', () => metrics.reloads.inc({ result: 'refused' }));
  },
  { name: 'metrics', dependencies: ['model-manager'] },
);
