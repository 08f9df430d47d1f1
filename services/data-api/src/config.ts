import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, workspaceRoot } from '@covertype/service-kit';
import { z } from 'zod';

/** This checkout; in an image (no workspace file) the working folder. */
export const repoRoot = workspaceRoot(import.meta.dirname) ?? process.cwd();

/** The shared workshop CSV beside the checkout when present, else what `pnpm data:fetch` writes. */
export function defaultDataPath(root = repoRoot): string {
  const shared = path.resolve(root, '../shared/data/covertype.csv');
  return existsSync(shared) ? shared : path.resolve(root, '.data/covtype.csv');
}

/**
 * Relative paths are taken from where the user typed the command: pnpm runs package scripts inside
 * the package folder but keeps the caller's folder in INIT_CWD.
 */
function resolveFrom(env: NodeJS.ProcessEnv) {
  const base = env.INIT_CWD ?? process.cwd();
  return (p: string) => path.resolve(base, p);
}

export function configSchema(env: NodeJS.ProcessEnv = process.env) {
  const resolve = resolveFrom(env);
  return z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    /** This machine only unless told otherwise; Compose sets 0.0.0.0 inside the container. */
    HOST: z.string().default('127.0.0.1'),
    DATA_PATH: z.string().transform(resolve).default(defaultDataPath()),
    /** Seconds between two batches of the same group. */
    MIN_UPDATE_TIME: z.coerce.number().min(0).default(5),
    /** Any string; unset means "pick one and keep it in the state file". */
    DATA_SEED: z.string().optional(),
    DATA_STATE_PATH: z
      .string()
      .transform(resolve)
      .default(path.resolve(repoRoot, '.data/data-api-state.json')),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  });
}

export type Config = z.output<ReturnType<typeof configSchema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(configSchema(env), env);
}
