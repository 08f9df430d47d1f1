import type { ZodApp } from '@covertype/service-kit';
import { z } from 'zod';
import type { DataService } from '../data-service.ts';

/** Readiness, as the other services have it: the data is loaded before the port opens, so ready = up. */
export function readyRoute(app: ZodApp, service: DataService): void {
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: the CSV is loaded and batches can be served',
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ready'), rows: z.number().int() }) },
      },
    },
    async () => ({ status: 'ready' as const, rows: service.plan.dataset.rows }),
  );
}
