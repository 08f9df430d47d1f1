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
import { installErrorHandler } from './errors.ts';

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

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: options.title, version: options.version, description: options.description },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process is up',
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  return app;
}

export type ZodApp = Awaited<ReturnType<typeof createServiceApp>>;
