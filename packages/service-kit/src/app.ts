import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { installErrorHandler, installNotFoundHandler } from './errors.ts';

export interface ServiceAppOptions {
  title: string;
  version: string;
  description: string;
  logger: FastifyBaseLogger | false;
  /** Extra Fastify server options (bodyLimit, trustProxy...). */
  fastify?: Omit<FastifyServerOptions, 'logger' | 'loggerInstance'>;
}

/**
 * The skeleton every service starts from: zod validation and serialization, one error handler,
 * the OpenAPI document generated from the route schemas and Swagger UI at /docs, and /healthz.
 */
export async function createServiceApp(options: ServiceAppOptions) {
  const app = Fastify({
    ...(options.logger === false ? { logger: false } : { loggerInstance: options.logger }),
    ...options.fastify,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installNotFoundHandler(app);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: options.title, version: options.version, description: options.description },
    },
    transform: (document) => {
      // A route may declare a plain JSON Schema (e.g. @covertype/schema's row) where zod would be.
      const { body, ...rest } = (document.schema ?? {}) as { body?: unknown };
      const plainBody = body !== undefined && !isZod(body) ? body : undefined;
      const transformed = jsonSchemaTransform(plainBody ? { ...document, schema: rest } : document);
      if (plainBody) (transformed.schema as { body?: unknown }).body = plainBody;
      withoutSafeIntegerBounds(transformed.schema);
      return transformed;
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  // The bare address: a browser lands on the docs, a program learns where they are (not in /docs).
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    if (request.headers.accept?.includes('text/html')) return reply.redirect('/docs', 302);
    return {
      name: options.title,
      version: options.version,
      docs: '/docs',
      openapi: '/docs/json',
      health: '/healthz',
    };
  });

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process is up',
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ok') }).meta({ description: 'The process is up' }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  return app;
}

function isZod(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && '_zod' in schema;
}

/**
 * zod gives every integer the bounds ±(2^53 − 1), which /docs would show as limits and use in
 * examples; an integer with real bounds declares them with .min()/.max().
 */
function withoutSafeIntegerBounds(schema: unknown): void {
  if (Array.isArray(schema)) {
    for (const item of schema) withoutSafeIntegerBounds(item);
    return;
  }
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as Record<string, unknown>;
  if (s.type === 'integer') {
    if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
    if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
  }
  for (const value of Object.values(s)) withoutSafeIntegerBounds(value);
}

export type ZodApp = Awaited<ReturnType<typeof createServiceApp>>;

/** A plugin of routes with zod schemas (register it with `app.register`). */
export type { FastifyPluginAsyncZod as RoutePlugin } from 'fastify-type-provider-zod';
/** The zod validator compiler every route uses unless it sets its own (which may delegate to it). */
export { validatorCompiler as zodValidatorCompiler };
