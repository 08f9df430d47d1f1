import { buildApp, defaultDataPath, loadDataset, MemoryStateStore } from '@covertype/data-api';
import type { Logger } from 'pino';

export interface EmbeddedDataApi {
  url: string;
  close(): Promise<void>;
}

/**
 * With no DATA_API_URL the trainer serves the CSV itself, in-process on a loopback port, through the
 * real data API app (MIN_UPDATE_TIME 0, a fixed seed): `pnpm pipeline` then works with nothing running,
 * and the ingest task still goes through HTTP exactly as against a deployed data API.
 */
export async function startEmbeddedDataApi(
  dataPath: string | undefined,
  log: Logger,
): Promise<EmbeddedDataApi> {
  const file = dataPath ?? defaultDataPath();
  const dataset = await loadDataset(file);
  const app = await buildApp({
    dataset,
    store: new MemoryStateStore(),
    minUpdateTime: 0,
    seed: 'covertype-pipeline',
    // Its per-request logs would drown the pipeline's; warnings and errors still show.
    logger: log.child({ component: 'embedded-data-api' }, { level: 'warn' }),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  log.info({ url, dataPath: file, rows: dataset.rows }, 'embedded data API started (DATA_API_URL unset)');
  return { url, close: () => app.close() };
}
