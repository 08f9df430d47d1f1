import { errorBody } from '@covertype/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    inflight: boolean;
  }
}

/** Probes and metrics keep answering under overload, or an orchestrator would restart a busy pod. */
const EXEMPT = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/ping',
  '/health',
  '/v2/health/live',
  '/v2/health/ready',
]);

/**
 * Bounded concurrency: beyond maxInflight requests in flight the API answers 503 with Retry-After
 * at once, so accepted requests keep a bounded latency and memory stays flat under overload.
 */
export function registerShedding(
  app: FastifyInstance,
  options: { maxInflight: number; retryAfterSeconds?: number; metrics: Metrics },
): { inflight: () => number } {
  const { maxInflight, metrics } = options;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const body = JSON.stringify(
    errorBody(
      503,
      `the server is at its limit of ${maxInflight} requests in flight; retry after ${retryAfter} s`,
    ),
  );
  let inflight = 0;
  const leave = (request: { inflight: boolean }) => {
    if (!request.inflight) return;
    request.inflight = false;
    inflight--;
    metrics.inflight.dec();
  };

  app.decorateRequest('inflight', false);
  app.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT.has(request.routeOptions.url ?? '')) return done();
    if (inflight >= maxInflight) {
      metrics.shed.inc();
      reply.code(503).header('retry-after', retryAfter).type('application/json').send(body);
      return;
    }
    inflight++;
    metrics.inflight.inc();
    request.inflight = true;
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    leave(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    leave(request);
    done();
  });
  return { inflight: () => inflight };
}
