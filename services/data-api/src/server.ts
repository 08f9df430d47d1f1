import { createLogger, listenWithShutdown, runMain } from '@covertype/service-kit';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { loadDataset } from './dataset/dataset.ts';
import { logInvalidRows } from './dataset/report.ts';
import { FileStateStore } from './state/state-store.ts';

await runMain('data-api', async () => {
  const config = loadConfig();
  const logger = createLogger('data-api', config.LOG_LEVEL);
  const started = performance.now();
  const dataset = await loadDataset(config.DATA_PATH);
  logger.info(
    { dataPath: dataset.source, rows: dataset.rows, ms: Math.round(performance.now() - started) },
    'data loaded',
  );
  logInvalidRows(logger, dataset);

  const store = new FileStateStore(config.DATA_STATE_PATH);
  try {
    await store.prepare();
  } catch (err) {
    throw new Error(`cannot use DATA_STATE_PATH ${config.DATA_STATE_PATH}: ${(err as Error).message}`);
  }
  const app = await buildApp({
    dataset,
    store,
    minUpdateTime: config.MIN_UPDATE_TIME,
    seed: config.DATA_SEED,
    logger,
  });
  await listenWithShutdown({
    app,
    logger,
    port: config.PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  logger.info(
    { stateFile: store.file, minUpdateTime: config.MIN_UPDATE_TIME, uptimeMs: Math.round(performance.now()) },
    'data API ready',
  );
});
