// The sweep's settings: environment variables, each also a command-line flag (--step-seconds 5 =
// SWEEP_STEP_SECONDS=5). Parsed once with zod.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig, workspaceRoot } from '@covertype/service-kit';
import { z } from 'zod';
import { DEFAULT_MATRIX, parseMatrix } from './matrix.ts';

export const repoRoot = workspaceRoot(import.meta.dirname) ?? process.cwd();

/** The journeys Docker mode can run: the scripts in loadtest/scenarios. */
export function k6Journeys(): string[] {
  return readdirSync(path.join(import.meta.dirname, '../scenarios'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const SettingsSchema = z.object({
  SWEEP_MODE: z.enum(['auto', 'docker', 'process']).default('auto'),
  /** replicas:cpus:memory,… ; default: the workshop's matrix. */
  SWEEP_CONFIGS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return DEFAULT_MATRIX;
      try {
        return parseMatrix(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  SWEEP_STEP_SECONDS: z.coerce.number().positive().default(8),
  SWEEP_WARMUP_SECONDS: z.coerce.number().min(0).default(2),
  SWEEP_START_RATE: z.coerce.number().positive().default(500),
  SWEEP_GROWTH: z.coerce.number().gt(1).default(1.5),
  SWEEP_MAX_STEPS: z.coerce.number().int().positive().default(12),
  SWEEP_MAX_RATE: z.coerce.number().positive().default(50_000),
  SWEEP_P95_MS: z.coerce.number().positive().default(50),
  SWEEP_MAX_ERROR_RATE: z.coerce.number().min(0).max(1).default(0.01),
  /** Where <timestamp>/report.md goes. */
  SWEEP_OUT_DIR: z.string().default(path.join(repoRoot, 'loadtest/results')),
  /** Serve this model instead of training the small sweep model (process mode). */
  SWEEP_MODEL_URI: z.string().optional(),
  /** Process mode without cgroups: pin replica i to core i mod cores with taskset (a cpuset, not a quota). */
  SWEEP_PIN_CPUS: bool(true),
  /** Process mode: cgroup v1 CPU and memory limits — auto (when writable), cgroups (required), off. */
  SWEEP_LIMITS: z.enum(['auto', 'cgroups', 'off']).default('auto'),
  SWEEP_SERVER_ENTRY: z.string().default(path.join(repoRoot, 'services/inference-api/src/server.ts')),
  /** Docker mode: the k6 journey, a file under loadtest/scenarios (run with PROFILE=load). */
  SWEEP_SCENARIO: z
    .string()
    .default('predict')
    .transform((name, ctx) => {
      const journeys = k6Journeys();
      if (!journeys.includes(name)) {
        ctx.addIssue({ code: 'custom', message: `expected a k6 journey: ${journeys.join(', ')}` });
        return z.NEVER;
      }
      return name;
    }),
  SWEEP_COMPOSE_FILES: z.string().default('docker-compose.yaml,docker-compose.loadtest.yaml'),
  COVERTYPE_DATA_DIR: z.string().default(path.resolve(repoRoot, '../shared/data')),
});

export type Settings = z.output<typeof SettingsSchema>;

const FLAGS = {
  mode: 'SWEEP_MODE',
  configs: 'SWEEP_CONFIGS',
  'step-seconds': 'SWEEP_STEP_SECONDS',
  'warmup-seconds': 'SWEEP_WARMUP_SECONDS',
  'start-rate': 'SWEEP_START_RATE',
  growth: 'SWEEP_GROWTH',
  'max-steps': 'SWEEP_MAX_STEPS',
  'max-rate': 'SWEEP_MAX_RATE',
  'p95-ms': 'SWEEP_P95_MS',
  'max-error-rate': 'SWEEP_MAX_ERROR_RATE',
  out: 'SWEEP_OUT_DIR',
  'model-uri': 'SWEEP_MODEL_URI',
  limits: 'SWEEP_LIMITS',
  scenario: 'SWEEP_SCENARIO',
} as const;

export const USAGE = `usage: pnpm loadtest:sweep [--flag value ...]
${Object.entries(FLAGS)
  .map(([flag, env]) => `  --${flag.padEnd(16)} (env ${env})`)
  .join('\n')}`;

/** Flags win over the environment. */
export function loadSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): Settings {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }])),
    strict: true,
  });
  const fromFlags = Object.fromEntries(
    Object.entries(values).map(([flag, v]) => [FLAGS[flag as keyof typeof FLAGS], v as string]),
  );
  return parseConfig(SettingsSchema, { ...env, ...fromFlags });
}
