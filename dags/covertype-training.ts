/**
 * The covertype training pipeline, the TypeScript twin of the workshop's Airflow DAG. Each task
 * declares its dependencies, retries and timeout; the trainer runs them in dependency order and
 * side by side where the graph allows (the two training searches).
 *
 *   storage → ingest → validate-and-split → train-random-forest     → register-best → promote-if-better
 *                                         → train-gradient-boosting ↗
 *   settle-interrupted ───────────────────────────────────────────────↗
 *
 * History is kept, not reset: the raw table only grows (a batch already stored adds nothing), so a re-run
 * is idempotent and what the data API served stays auditable; train, test and rejects are rebuilt from
 * it on every run and swapped in atomically, so they always match the raw data of the configured groups.
 */
import {
  bestCandidate,
  defineDag,
  ingest,
  type PipelineEnv,
  prepare,
  promoteIfBetter,
  registerCandidate,
  type SettleResult,
  settleInterrupted,
  type Task,
  task,
  trainFamily,
} from '@covertype/pipeline';

export interface DagLimits {
  /** Ingest polls until every group is exhausted: 10 batches × MIN_UPDATE_TIME of the data API. */
  ingestTimeoutMs: number;
  /** One family's searches (CV of every grid point plus the refit). */
  trainTimeoutMs: number;
  /** Retries of the tasks that talk to MySQL, the data API or MLflow. */
  retries: number;
  retryDelayMs: number;
}

export const DEFAULT_LIMITS: DagLimits = {
  ingestTimeoutMs: 2 * 60 * 60_000,
  trainTimeoutMs: 60 * 60_000,
  retries: 3,
  retryDelayMs: 2000,
};

export function covertypeTrainingDag(overrides: Partial<DagLimits> = {}) {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  const io = { retries: limits.retries, retryDelayMs: limits.retryDelayMs };

  const storage = task<PipelineEnv, { rawRows: number; train: number; test: number; rejects: number }>({
    name: 'storage',
    description: 'keep history: create missing tables, drop staging a killed run left, report what is stored',
    ...io,
    timeoutMs: 60_000,
    run: async ({ env }) => {
      await env.store.ensureSchema();
      return { rawRows: await env.store.countRaw(env.settings.groups), ...(await env.store.countPrepared()) };
    },
  });

  const ingestTask = task({
    name: 'ingest',
    description: 'restart each group on the data API and store every new batch in the raw table',
    dependsOn: [storage],
    ...io,
    timeoutMs: limits.ingestTimeoutMs,
    run: ({ env, signal, log }) =>
      ingest({
        client: env.dataApi,
        store: env.store,
        groups: env.settings.groups,
        pollIntervalMs: env.settings.pollIntervalMs,
        signal,
        log,
      }),
  });

  const validate = task({
    name: 'validate-and-split',
    description: 'schema-check raw rows (rejects with reasons), stratified seeded train/test split',
    dependsOn: [ingestTask],
    ...io,
    timeoutMs: 10 * 60_000,
    run: ({ env }) =>
      prepare({
        store: env.store,
        groups: env.settings.groups,
        testFraction: env.settings.testFraction,
        seed: env.settings.splitSeed,
      }),
  });

  const trainTask = (family: 'random-forest' | 'gradient-boosting') =>
    task({
      name: `train-${family}`,
      description: `${family} searches with k-fold CV; each logged to MLflow with its refit best model`,
      dependsOn: [validate],
      retries: 1,
      retryDelayMs: limits.retryDelayMs,
      timeoutMs: limits.trainTimeoutMs,
      run: async ({ env, runId, log, result, signal }) =>
        trainFamily({
          mlflow: env.mlflow,
          experimentName: env.settings.experimentName,
          family,
          preset: env.settings.searchPreset,
          cvFolds: env.settings.cvFolds,
          train: await env.store.readSplit('train'),
          test: await env.store.readSplit('test'),
          pipelineRunId: runId,
          testTable: result(validate).testFingerprint,
          seed: env.settings.splitSeed,
          workers: env.settings.workers || undefined,
          signal,
          log,
        }),
    });
  const trainForest = trainTask('random-forest');
  const trainBoosting = trainTask('gradient-boosting');

  // A run that ended half-way (trainer or MLflow stopped) left RUNNING runs and a pending gate: end
  // them before this run registers its own version.
  const settle = task<PipelineEnv, SettleResult>({
    name: 'settle-interrupted',
    description:
      'end MLflow runs an interrupted pipeline run left RUNNING (FAILED) and close its pending gate',
    ...io,
    timeoutMs: 5 * 60_000,
    run: ({ env, runId, log }) =>
      settleInterrupted({
        mlflow: env.mlflow,
        experimentName: env.settings.experimentName,
        modelName: env.settings.modelName,
        pipelineRunId: runId,
        log,
      }),
  });

  const register = task({
    name: 'register-best',
    description: 'register the best candidate (CV accuracy) as a new version of MODEL_NAME',
    dependsOn: [trainForest, trainBoosting, settle],
    ...io,
    timeoutMs: 5 * 60_000,
    run: ({ env, runId, log, result }) =>
      registerCandidate({
        mlflow: env.mlflow,
        modelName: env.settings.modelName,
        candidate: bestCandidate([...result(trainForest), ...result(trainBoosting)]),
        pipelineRunId: runId,
        log,
      }),
  });

  const promote = task({
    name: 'promote-if-better',
    description:
      'alias champion + stage Production only if it beats the champion on the same test table and fits the serving budget',
    dependsOn: [register, validate],
    ...io,
    timeoutMs: 5 * 60_000,
    run: async ({ env, log, result }) =>
      promoteIfBetter({
        mlflow: env.mlflow,
        modelName: env.settings.modelName,
        version: result(register),
        testRows: await env.store.readSplit('test'),
        testTable: result(validate).testFingerprint,
        servingBudgetUs: env.settings.servingBudgetUs,
        log,
      }),
  });

  return defineDag<PipelineEnv>({
    name: 'covertype-training',
    description: 'data API → MySQL raw → validated train/test → RF + GB searches → MLflow registry',
    tasks: [storage, settle, ingestTask, validate, trainForest, trainBoosting, register, promote] as Task<
      PipelineEnv,
      unknown
    >[],
  });
}
