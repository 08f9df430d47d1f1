// The settings module alone: the MLflow library itself loads later, in the background.
import { loadMlflowConfig, type MlflowConfig } from '@covertype/mlflow/config';
import { ConfigError, parseConfig } from '@covertype/service-kit';
import { z } from 'zod';
import { BATCH_POLICIES } from './model/batch-policy.ts';
import { DEFAULT_BATCH_POLICY, DEFAULT_BATCH_WAIT_MS } from './model/loaded-model.ts';

/** "10s", "500ms", "2m" or a bare number of seconds → milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(value.trim());
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as 10s, 500ms or 2m` });
        return z.NEVER;
      }
      const unit = match[2] ?? 's';
      return Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
    });

/** "1mb", "512kb" or a number of bytes → bytes. */
const byteSize = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(value.trim());
      if (!match) {
        ctx.addIssue({ code: 'custom', message: 'expected a size such as 1048576, 512kb or 4mb' });
        return z.NEVER;
      }
      const unit = (match[2] ?? 'b').toLowerCase();
      return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
    });

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const ConfigSchema = z.object({
  PORT: int(8989, 0, 65535),
  /** This machine only unless told otherwise; Compose sets 0.0.0.0 inside the container. */
  HOST: z.string().default('127.0.0.1'),
  /** models:/name@alias, models:/name/3, models:/name/Production, runs:/…, s3://…, mlflow-artifacts:/…, file: or a path. */
  MODEL_URI: z.string().default('models:/covertype@champion'),
  /** How often the alias/stage is checked for a new version; 0 turns hot reload off. */
  MODEL_POLL_SECONDS: z.coerce.number().min(0).default(30),
  MODEL_CACHE_DIR: z.string().default('.cache/models'),
  /** Other models chosen per request (?model=) kept loaded at once. */
  MODEL_LRU_SIZE: int(4, 1, 64),
  /** Longest wait between two load attempts while MLflow or the artifact store is unreachable. */
  MODEL_RETRY_MAX: duration('30s'),
  MAX_BATCH: int(1024, 1, 100_000),
  /**
   * Under heavy traffic, how long a single-row request may wait for others to share its
   * onnxruntime run (light traffic never waits); 0 turns the wait off.
   */
  MICRO_BATCH_WAIT: duration(`${DEFAULT_BATCH_WAIT_MS}ms`).refine(
    (ms) => ms === 0 || (ms >= 1 && ms <= 100),
    'expected 0 (off) or a wait from 1ms to 100ms',
  ),
  /**
   * How the wait is chosen: `adaptive` from the measured arrival rate and run cost (up to
   * MICRO_BATCH_WAIT), `rate` the whole MICRO_BATCH_WAIT while the rate promises twice the queue.
   */
  MICRO_BATCH_POLICY: z.enum(BATCH_POLICIES).default(DEFAULT_BATCH_POLICY),
  /** Requests handled at once; beyond it the API answers 503 + Retry-After at once (load shedding). */
  MAX_INFLIGHT: int(256, 1, 1_000_000),
  BODY_LIMIT: byteSize('1mb'),
  SHUTDOWN_TIMEOUT: duration('10s'),
  /** onnxruntime threads per process; 1 suits a one-CPU container (scale with processes). */
  ORT_THREADS: int(1, 1, 64),
  /** Seconds without requests before memory grown under load is collected and returned; 0 turns it off. */
  IDLE_GC_SECONDS: z.coerce.number().min(0).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Log one line per request (costly under load; off by default). */
  LOG_REQUESTS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export type Config = z.output<typeof ConfigSchema> & { mlflow: MlflowConfig };

/** Every setting, MLflow's included, checked before the server listens: a bad one stops it in one line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = parseConfig(ConfigSchema, env);
  try {
    return { ...config, mlflow: loadMlflowConfig(env) };
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}
