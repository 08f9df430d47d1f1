import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { errorBody } from '@covertype/service-kit';
import fp from 'fastify-plugin';
import type { Metrics } from './metrics.ts';

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

export interface Shedding {
  inflight: () => number;
  /** Requests that reached the server so far (shed ones included, probes not): a sign of activity. */
  arrivals: () => number;
  /**
   * From now on every answer ends its connection (`Connection: close`): Node only closes the
   * connections idle when close() starts, and a busy keep-alive connection would otherwise stay
   * open until keepAliveTimeout and hold up a graceful exit.
   */
  closing: () => void;
  /** Builds the HTTP server for Fastify's serverFactory option. */
  serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => http.Server;
}

/**
 * Bounded concurrency: beyond maxInflight requests in flight the server answers 503 with
 * Retry-After at once. The refusal happens in the raw HTTP handler, before Fastify routes or
 * parses anything, so refusing costs a fraction of serving and the process keeps up with
 * arrivals well above its capacity: accepted requests keep a bounded latency, memory stays flat.
 */
export function createShedding(options: {
  maxInflight: number;
  retryAfterSeconds?: number;
  metrics: Metrics;
}): Shedding {
  const { maxInflight, metrics } = options;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const body = Buffer.from(
    JSON.stringify(
      errorBody(
        503,
        `the server is at its limit of ${maxInflight} requests in flight; retry after ${retryAfter} s`,
      ),
    ),
  );
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
    'retry-after': retryAfter,
  };
  let inflight = 0;
  let arrivals = 0;
  let closing = false;
  function leave(this: ServerResponse) {
    inflight--;
    metrics.inflight.dec();
    // Answered while closing: end the keep-alive connection too (res.socket is detached by now).
    if (closing) this.req.socket.end();
  }
  const isExempt = (url: string | undefined) => {
    const q = url?.indexOf('?') ?? -1;
    return EXEMPT.has(q >= 0 ? url!.slice(0, q) : (url ?? ''));
  };

  return {
    inflight: () => inflight,
    arrivals: () => arrivals,
    closing: () => {
      closing = true;
    },
    serverFactory: (handler) => {
      const server = http.createServer((req, res) => {
        if (closing) res.setHeader('connection', 'close');
        if (isExempt(req.url)) return handler(req, res);
        arrivals++;
        if (inflight >= maxInflight) {
          metrics.shed.inc();
          res.writeHead(503, headers);
          res.end(body);
          return;
        }
        inflight++;
        metrics.inflight.inc();
        res.once('close', leave);
        handler(req, res);
      });
      // Fastify leaves these to the factory.
      server.keepAliveTimeout = 72_000;
      server.requestTimeout = 30_000;
      return server;
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Requests in flight now (as the shedding server counts them). */
    inflight: () => number;
  }
}

/**
 * The app's side of shedding (the server itself is built before the app, by serverFactory):
 * `app.inflight()`, and `Connection: close` on every answer once the app is closing.
 */
export const sheddingPlugin = fp<{ shedding: Shedding }>(
  async (app, { shedding }) => {
    app.decorate('inflight', shedding.inflight);
    app.addHook('preClose', (done) => {
      shedding.closing();
      done();
    });
  },
  { name: 'shedding' },
);
