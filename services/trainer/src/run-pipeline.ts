import { randomBytes } from 'node:crypto';
import { createMlflow } from '@covertype/mlflow';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { DataApiClient } from './clients/data-api-client.ts';
import { type DataApiProcess, startDataApiProcess } from './clients/data-api-process.ts';
import type { Config } from './config.ts';
import { buildTrainingDag } from './dag/covertype.ts';
import type { Dag } from './dag/define.ts';
import { type DagRunResult, errorMessage, runDag } from './dag/run.ts';
import { createTableStore } from './store/create.ts';
import type { TableStore } from './store/types.ts';
import type { PipelineEnv } from './tasks/env.ts';

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
  // The clients first: a bad setting stops the start before a data API process is spawned.
  const store = createTableStore({ databaseUrl: config.DATABASE_URL, dataDir: config.PIPELINE_DATA_DIR });
  const mlflow = createMlflow(config.mlflow, {
    onRetry: (info) =>
      log.warn({ mlflow: config.mlflow.trackingUri, ...info }, 'MLflow request failed; retrying'),
  });
  let dataApiProcess: DataApiProcess | undefined;
  if (!config.DATA_API_URL) dataApiProcess = await startDataApiProcess(config.DATA_PATH, log);
  const dataApiUrl = config.DATA_API_URL ?? dataApiProcess!.url;
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
      accuracyTolerance: config.SEARCH_ACCURACY_TOLERANCE,
      servingBudgetUs: config.SERVING_BUDGET_US,
    },
  };
  return {
    env,
    dataApiUrl,
    close: async () => {
      await store.close();
      await dataApiProcess?.close();
    },
  };
}

/** The training DAG with the limits of this config; built once per process. */
export function trainingDag(config: Config): Dag<PipelineEnv> {
  return buildTrainingDag({
    ingestTimeoutMs: config.INGEST_TIMEOUT_MS,
    trainTimeoutMs: config.TRAIN_TIMEOUT_MS,
    retries: config.TASK_RETRIES,
    retryDelayMs: config.TASK_RETRY_DELAY_MS,
  });
}

/** Opens the store, retrying while MySQL is still starting (the DAG's own retries start after this). */
async function openStore(store: TableStore, config: Config, log: Logger, signal: AbortSignal) {
  try {
    await pRetry(() => store.open(), {
      retries: config.TASK_RETRIES,
      minTimeout: config.TASK_RETRY_DELAY_MS,
      randomize: false,
      signal,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0)
          log.warn(
            { store: store.location, attempt: attemptNumber, err: errorMessage(error) },
            'table store unavailable',
          );
      },
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new Error(`cannot open the table store ${store.location}: ${errorMessage(err)}`);
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
  dag: Dag<PipelineEnv>,
  options: { trigger: string; log: Logger; signal?: AbortSignal },
): Promise<DagRunResult> {
  const { store } = runtime.env;
  const signal = options.signal ?? new AbortController().signal;
  await openStore(store, config, options.log, signal);
  const lock = await store.lock.tryLock(config.PIPELINE_LOCK_NAME);
  if (!lock) {
    throw new PipelineLockedError(
      `another trainer is running the pipeline (lock "${config.PIPELINE_LOCK_NAME}" on ${store.location} is held); not starting a second run`,
    );
  }
  try {
    await store.migrate();
    const abandoned = await store.runs.abandonStale(new Date());
    if (abandoned)
      options.log.warn({ abandoned }, 'marked runs a stopped trainer left unfinished as abandoned');
    const runId = newRunId();
    const log = options.log.child({ runId });
    await store.runs.start({ runId, dag: dag.name, trigger: options.trigger, startedAt: new Date() });
    log.info(
      {
        trigger: options.trigger,
        groups: config.DATA_GROUP,
        preset: config.SEARCH_PRESET,
        store: store.location,
      },
      'pipeline run started',
    );
    const result = await runDag({ dag, env: runtime.env, runId, log, recorder: store.runs, signal });
    await store.runs.finish(runId, result.ok ? 'success' : 'failed', new Date(), result.error ?? null);
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
