import { createServiceApp } from '@covertype/service-kit';
import pino, { type Logger } from 'pino';
import { DataService } from './data-service.ts';
import type { Dataset } from './dataset/dataset.ts';
import { dataRoute } from './routes/data.ts';
import { readyRoute } from './routes/ready.ts';
import { restartRoute } from './routes/restart.ts';
import { summaryRoute } from './routes/summary.ts';
import type { StateStore } from './state/state-store.ts';

export interface AppOptions {
  dataset: Dataset;
  store: StateStore;
  /** Seconds between two batches of one group (MIN_UPDATE_TIME). */
  minUpdateTime: number;
  seed?: string | undefined;
  /** Epoch milliseconds; tests pass a clock they move by hand. */
  now?: () => number;
  logger?: Logger;
}

export const APP_VERSION = '0.1.0';

/** Builds the data API around an already loaded dataset; nothing here reads the environment. */
export async function buildApp(options: AppOptions) {
  const logger = options.logger ?? pino({ level: 'silent' });
  const service = await DataService.create({
    dataset: options.dataset,
    store: options.store,
    minUpdateTime: options.minUpdateTime,
    seed: options.seed,
    now: options.now ?? Date.now,
    logger,
  });
  const app = await createServiceApp({
    title: 'covertype data API',
    version: APP_VERSION,
    description:
      'Serves the covertype CSV in time-gated random batches, compatible with the workshop data API ' +
      '(GET /data, GET /restart_data_generation).',
    logger,
  });
  dataRoute(app, service);
  summaryRoute(app, service, options.minUpdateTime);
  restartRoute(app, service);
  readyRoute(app, service);
  return app;
}

export type DataApp = Awaited<ReturnType<typeof buildApp>>;
