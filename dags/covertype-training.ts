/**
 * The covertype training pipeline, the TypeScript twin of the workshop's Airflow DAG, declared as data:
 * which tasks, what each depends on, its retries and timeout. The trainer (`services/trainer`) binds
 * each task name to its function and runs them in dependency order, side by side where the graph
 * allows (the two training searches).
 *
 *   storage → ingest → validate-and-split → train-random-forest     → register-best → promote-if-better
 *                                         → train-gradient-boosting ↗
 *   settle-interrupted ───────────────────────────────────────────────↗
 *
 * History is kept, not reset: the raw table only grows (a batch already stored adds nothing), so a re-run
 * is idempotent and what the data API served stays auditable; train, test and rejects are rebuilt from
 * it on every run and swapped in atomically, so they always match the raw data of the configured groups.
 */

export const TASK_NAMES = [
  'storage',
  'settle-interrupted',
  'ingest',
  'validate-and-split',
  'train-random-forest',
  'train-gradient-boosting',
  'register-best',
  'promote-if-better',
] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export interface TaskDeclaration {
  name: TaskName;
  description: string;
  dependsOn: readonly TaskName[];
  retries: number;
  retryDelayMs: number;
  timeoutMs: number;
}

export interface DagDeclaration {
  name: string;
  description: string;
  tasks: readonly TaskDeclaration[];
}

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

export function covertypeTrainingDag(overrides: Partial<DagLimits> = {}): DagDeclaration {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  const io = { retries: limits.retries, retryDelayMs: limits.retryDelayMs };
  const train = (family: 'random-forest' | 'gradient-boosting'): TaskDeclaration => ({
    name: `train-${family}`,
    description: `${family} searches with k-fold CV; each logged to MLflow with its refit best model`,
    dependsOn: ['validate-and-split'],
    retries: 1,
    retryDelayMs: limits.retryDelayMs,
    timeoutMs: limits.trainTimeoutMs,
  });
  return {
    name: 'covertype-training',
    description: 'data API → MySQL raw → validated train/test → RF + GB searches → MLflow registry',
    tasks: [
      {
        name: 'storage',
        description:
          'keep history: migrate the tables, drop staging a killed run left, report what is stored',
        dependsOn: [],
        ...io,
        timeoutMs: 60_000,
      },
      // A run that ended half-way (trainer or MLflow stopped) left RUNNING runs and a pending gate: end
      // them before this run registers its own version.
      {
        name: 'settle-interrupted',
        description:
          'end MLflow runs an interrupted pipeline run left RUNNING (FAILED) and close its pending gate',
        dependsOn: [],
        ...io,
        timeoutMs: 5 * 60_000,
      },
      {
        name: 'ingest',
        description: 'restart each group on the data API and store every new batch in the raw table',
        dependsOn: ['storage'],
        ...io,
        timeoutMs: limits.ingestTimeoutMs,
      },
      {
        name: 'validate-and-split',
        description: 'schema-check raw rows (rejects with reasons), stratified seeded train/test split',
        dependsOn: ['ingest'],
        ...io,
        timeoutMs: 10 * 60_000,
      },
      train('random-forest'),
      train('gradient-boosting'),
      {
        name: 'register-best',
        description:
          'register the best candidate (CV accuracy, then serving cost) as a new version of MODEL_NAME',
        dependsOn: ['train-random-forest', 'train-gradient-boosting', 'settle-interrupted'],
        ...io,
        timeoutMs: 5 * 60_000,
      },
      {
        name: 'promote-if-better',
        description:
          'alias champion + stage Production only if it beats the champion on the same test table and fits the serving budget',
        dependsOn: ['register-best', 'validate-and-split'],
        ...io,
        timeoutMs: 5 * 60_000,
      },
    ],
  };
}
