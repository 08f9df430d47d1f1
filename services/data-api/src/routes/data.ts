import type { ZodApp } from '@covertype/service-kit';
import type { z } from 'zod';
import { BATCHES_PER_GROUP, GROUPS } from '../batches/batch-plan.ts';
import type { DataService } from '../data-service.ts';
import { acceptsGzip } from './accept-encoding.ts';
import { DataResponseSchema, ErrorResponseSchema, GroupQuerySchema } from './schemas.ts';

export function dataRoute(app: ZodApp, service: DataService): void {
  app.get(
    '/data',
    {
      // These GETs change state (the workshop's API); a HEAD must not advance or reset a group.
      exposeHeadRoute: false,
      schema: {
        summary: 'The current batch of a group',
        description:
          `Each of the ${GROUPS} groups is a contiguous slice of the file, cut into ${BATCHES_PER_GROUP} random ` +
          'batches that together cover it exactly once. The first call serves batch 1; the batch advances at ' +
          'most once per MIN_UPDATE_TIME seconds, and the same batch is served again before that. After the ' +
          'last batch the group answers 400 until GET /restart_data_generation resets it.',
        tags: ['data'],
        querystring: GroupQuerySchema,
        response: {
          200: DataResponseSchema,
          400: ErrorResponseSchema.describe('group_number missing or not 1..10, or the group is exhausted'),
        },
      },
    },
    async (request, reply) => {
      const group = request.query.group_number;
      const gzip = acceptsGzip(request.headers['accept-encoding']);
      const { body, batchNumber, advanced } = await service.nextBody(group, gzip);
      if (advanced) request.log.info({ group, batch: batchNumber }, 'batch advanced');
      reply.header('vary', 'accept-encoding');
      if (gzip) reply.header('content-encoding', 'gzip');
      // The body is cached already serialized: a Buffer is sent as it is, without the serializer.
      // Typed as the schema's output, which the cached bytes are.
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .send(body as unknown as z.output<typeof DataResponseSchema>);
    },
  );
}
