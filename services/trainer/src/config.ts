import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMlflowConfig, type MlflowConfig } from '@covertype/mlflow';
import { ConfigError, parseConfig } from '@covertype/service-kit';
import { z } from 'zod';
import { PIPELINE_PRESETS } from './tasks/search.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const GROUPS = 10;

/** "3", "1,2,5", "1-4" or "all" → sorted unique group numbers 1..10. */
export function parseGroups(value: string): number[] {
  const text = value.trim().toLowerCase();
  if (text === 'all') return Array.from({ length: GROUPS }, (_, i) => i + 1);
  const groups = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    const [from, to] = range ? [Number(range[1]), Number(range[2])] : [Number(part), Number(part)];
    if (!/^\d+(\s*-\s*\d+)?$/.test(part) || from < 1 || to > GROUPS || from > to) {
      throw new Error(`"${part}" is not a group 1..${GROUPS}; expected e.g. 3, 1,2,5, 1-4 or all`);
    }
    for (let g = from; g <= to; g++) groups.add(g);
  }
  return [...groups].sort((a, b) => a - b);
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export function configSchema(env: NodeJS.ProcessEnv = process.env) {
  // Relative paths are taken from where the user typed the command (pnpm keeps it in INIT_CWD).
  const resolve = (p: string) => path.resolve(env.INIT_CWD ?? process.cwd(), p);
  return z.object({
    /** Unset: the data API is started as a child process on DATA_PATH (MIN_UPDATE_TIME 0). */
    DATA_API_URL: z.url({ message: 'expected an http(s) URL such as http://data-api:8000' }).optional(),
    DATA_PATH: z.string().transform(resolve).optional(),
    DATA_GROUP: z
      .string()
      .default('1')
      .transform((v, ctx) => {
        try {
          return parseGroups(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    /** mysql://user:password@host:3306/database; unset → local file store under PIPELINE_DATA_DIR. */
    DATABASE_URL: z
      .string()
      .regex(/^mysql:\/\//, 'expected mysql://user:password@host:3306/database')
      .optional(),
    PIPELINE_DATA_DIR: z.string().transform(resolve).default(path.join(repoRoot, '.data/pipeline')),
    MODEL_NAME: z
      .string()
      .regex(/^[\w.-]+$/, 'letters, digits, _ . - only')
      .default('covertype'),
    MLFLOW_EXPERIMENT_NAME: z.string().default('covertype'),
    SEARCH_PRESET: z.enum(PIPELINE_PRESETS).default('default'),
    CV_FOLDS: z.coerce.number().int().min(2).max(20).optional(),
    TEST_FRACTION: z.coerce.number().gt(0).lt(1).default(0.2),
    SPLIT_SEED: z.coerce.number().int().min(0).default(42),
    INGEST_POLL_INTERVAL_MS: ms(1000),
    INGEST_TIMEOUT_MS: ms(2 * 60 * 60_000),
    TRAIN_TIMEOUT_MS: ms(60 * 60_000),
    TASK_RETRIES: z.coerce.number().int().min(0).max(20).default(3),
    TASK_RETRY_DELAY_MS: z.coerce.number().int().min(0).default(2000),
    /** Worker threads per search; 0 or unset = the learner's default (one per core). */
    TRAIN_WORKERS: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .transform((n) => n || undefined),
    /** CV accuracy the cheaper-to-serve candidate may give up against the best (0 = the best wins). */
    SEARCH_ACCURACY_TOLERANCE: z.coerce
      .number({ message: 'expected an accuracy difference such as 0.002 (0 = the most accurate wins)' })
      .min(0, 'expected an accuracy difference from 0 to 1')
      .max(1, 'expected an accuracy difference from 0 to 1')
      .default(0),
    /** Most µs per row (single-row onnxruntime run) a new champion may cost; 0 = no budget. */
    SERVING_BUDGET_US: z.coerce
      .number({ message: 'expected a number of microseconds per row (0 = no budget)' })
      .min(0, 'expected a number of microseconds per row ≥ 0 (0 = no budget)')
      .default(0),
    /** croner pattern (5 or 6 fields, or @hourly, @daily...). */
    PIPELINE_CRON: z.string().default('0 * * * *'),
    PIPELINE_RUN_ON_START: bool.default(false),
    PIPELINE_LOCK_NAME: z.string().default('covertype-pipeline'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  });
}

export type Config = z.output<ReturnType<typeof configSchema>> & { mlflow: MlflowConfig };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = parseConfig(configSchema(env), env);
  let mlflow: MlflowConfig;
  try {
    // An unset MLFLOW_TRACKING_URI means the workspace's registry, the one the inference API reads too.
    mlflow = loadMlflowConfig(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return { ...config, mlflow };
}
