import { randomBytes } from 'node:crypto';
import { covertypeTrainingDag } from '@covertype/dags';
import { createMlflow } from '@covertype/mlflow';
import {
  abortableSleep,
  createTableStore,
  type DagRunResult,
  DataApiClient,
  errorMessage,
  type PipelineEnv,
  runDag,
  type TableStore,
} from '@covertype/pipeline';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { type EmbeddedDataApi, startEmbeddedDataApi } from './embedded-data-api.ts';

/** Another trainer holds the pipeline lock: this one does not start a second run. */
export class PipelineLockedError extends Error {
  override name = 'PipelineLockedError';
}

export interface Runtime {
  env: PipelineEnv;
  dataApiUrl: string;
  close(): Promise<void>;
}

/** Builds the storage, registry and data API clients once per process. */
export async function openRuntime(config: Config, log: Logger): Promise<Runtime> {
  let embedded: EmbeddedDataApi | undefined;
  if (!config.DATA_API_URL) embedded = await startEmbeddedDataApi(config.DATA_PATH, log);
  const dataApiUrl = config.DATA_API_URL ?? embedded!.url;
  const store = createTableStore({ databaseUrl: config.DATABASE_URL, dataDir: config.PIPELINE_DATA_DIR });
  const mlflow = createMlflow(config.mlflow, {
    onRetry: (info) =>
      log.warn({ mlflow: config.mlflow.trackingUri, ...info }, 'MLflow request failed; retrying'),
  });
  const env: PipelineEnv = {
    store,
    mlflow,
    dataApi: new DataApiClient({ baseUrl: dataApiUrl }),
    settings: {
      groups: config.DATA_GROUP,
      modelName: config.MODEL_NAME,
      experimentName: config.MLFLOW_EXPERIMENT_NAME,
      searchPreset: config.SEARCH_PRESET,
      cvFolds: config.CV_FOLDS,
      testFraction: config.TEST_FRACTION,
      splitSeed: config.SPLIT_SEED,
      pollIntervalMs: config.INGEST_POLL_INTERVAL_MS,
      workers: config.TRAIN_WORKERS,
      servingBudgetUs: config.SERVING_BUDGET_US,
    },
  };
  return {
    env,
    dataApiUrl,
    close: async () => {
      await store.close();
      await embedded?.close();
    },
  };
}

export function dagFor(config: Config) {
  return covertypeTrainingDag({
    ingestTimeoutMs: config.INGEST_TIMEOUT_MS,
    trainTimeoutMs: config.TRAIN_TIMEOUT_MS,
    retries: config.TASK_RETRIES,
    retryDelayMs: config.TASK_RETRY_DELAY_MS,
  });
}

/** Opens the store, retrying while MySQL is still starting (the DAG's own retries start after this). */
async function openStore(store: TableStore, config: Config, log: Logger, signal: AbortSignal) {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.open();
      return;
    } catch (err) {
      if (attempt > config.TASK_RETRIES) {
        throw new Error(`cannot open the table store ${store.location}: ${errorMessage(err)}`);
      }
      const delay = config.TASK_RETRY_DELAY_MS * 2 ** (attempt - 1);
      log.warn(
        { store: store.location, attempt, retryInMs: delay, err: errorMessage(err) },
        'table store unavailable',
      );
      await abortableSleep(delay, signal);
    }
  }
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * One pipeline run: take the lock (or refuse), mark runs a killed trainer left behind as abandoned,
 * record the run, run the DAG, record the outcome, release the lock.
 */
export async function runPipelineOnce(
  config: Config,
  runtime: Runtime,
  options: { trigger: string; log: Logger; signal?: AbortSignal },
): Promise<DagRunResult> {
  const { store } = runtime.env;
  const signal = options.signal ?? new AbortController().signal;
  await openStore(store, config, options.log, signal);
  const lock = await store.tryLock(config.PIPELINE_LOCK_NAME);
  if (!lock) {
    throw new PipelineLockedError(
      `another trainer is running the pipeline (lock "${config.PIPELINE_LOCK_NAME}" on ${store.location} is held); not starting a second run`,
    );
  }
  try {
    await store.ensureSchema();
    const abandoned = await store.abandonStaleRuns(new Date());
    if (abandoned)
      options.log.warn({ abandoned }, 'marked runs a stopped trainer left unfinished as abandoned');
    const runId = newRunId();
    const log = options.log.child({ runId });
    const dag = dagFor(config);
    await store.startRun({ runId, dag: dag.name, trigger: options.trigger, startedAt: new Date() });
    log.info(
      {
        trigger: options.trigger,
        groups: config.DATA_GROUP,
        preset: config.SEARCH_PRESET,
        store: store.location,
      },
      'pipeline run started',
    );
    const result = await runDag({ dag, env: runtime.env, runId, log, recorder: store, signal });
    await store.finishRun(runId, result.ok ? 'success' : 'failed', new Date(), result.error ?? null);
    log.info(
      {
        ok: result.ok,
        durationMs: result.durationMs,
        tasks: result.tasks.map((t) => `${t.task}:${t.status}`),
      },
      'pipeline run finished',
    );
    return result;
  } finally {
    await lock.release().catch((err) => options.log.warn({ err }, 'could not release the pipeline lock'));
  }
}
