import type { ZodApp } from '@covertype/service-kit';
import { BATCHES_PER_GROUP, GROUPS } from '../batches/batch-plan.ts';
import type { DataService } from '../data-service.ts';
import { SummaryResponseSchema } from './schemas.ts';

export function summaryRoute(app: ZodApp, service: DataService, minUpdateTime: number): void {
  app.get(
    '/data/summary',
    {
      schema: {
        summary: 'What is being served: rows, groups, batch sizes, invalid rows by reason, progress',
        tags: ['data'],
        response: { 200: SummaryResponseSchema },
      },
    },
    async () => {
      const { dataset } = service.plan;
      const groups = Array.from({ length: GROUPS }, (_, i) => service.status(i + 1));
      return {
        data_path: dataset.source,
        rows: dataset.rows,
        groups: GROUPS,
        batches_per_group: BATCHES_PER_GROUP,
        batch_size: service.plan.batchSizes(),
        min_update_time_seconds: minUpdateTime,
        seed: service.seed,
        invalid_rows: {
          count: dataset.invalid.count,
          by_field: dataset.invalid.byField,
          by_reason: dataset.invalid.byReason,
          examples: dataset.invalid.examples,
        },
        progress: groups,
      };
    },
  );
}
