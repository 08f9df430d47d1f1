import type { ZodApp } from '@covertype/service-kit';
import type { DataService } from '../data-service.ts';
import { ErrorResponseSchema, GroupQuerySchema, RestartResponseSchema } from './schemas.ts';

export function restartRoute(app: ZodApp, service: DataService): void {
  app.get(
    '/restart_data_generation',
    {
      // These GETs change state (the workshop's API); a HEAD must not advance or reset a group.
      exposeHeadRoute: false,
      schema: {
        summary: 'Start a group again from batch 1',
        description: 'GET, as in the workshop API, so existing clients keep working.',
        tags: ['data'],
        querystring: GroupQuerySchema,
        response: { 200: RestartResponseSchema, 400: ErrorResponseSchema },
      },
    },
    async (request) => {
      const group = request.query.group_number;
      await service.restart(group);
      request.log.info({ group }, 'group restarted');
      return {
        group_number: group,
        batch_number: 0 as const,
        message: `group ${group} restarted: the next GET /data?group_number=${group} serves batch 1`,
      };
    },
  );
}
