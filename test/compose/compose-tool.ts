// Which Compose is installed, for tests that run `config` on the compose files (no engine needed):
// the Compose v2 plugin (`docker compose`) when present, else the v1 program (`docker-compose`,
// Debian's 1.29). Neither installed: the tests skip with NO_COMPOSE as the reason.
import { type SpawnSyncOptions, type SpawnSyncReturns, spawnSync } from 'node:child_process';

export interface ComposeTool {
  /** How a person would type it: `docker compose` or `docker-compose`. */
  label: string;
  /** The program and the arguments before Compose's own. */
  command: string;
  prefix: string[];
  /** `2.26.1`, `1.29.2`, ... */
  version: string;
}

export const NO_COMPOSE =
  'neither `docker compose` (Compose v2 plugin) nor `docker-compose` (v1) is installed';

/** Tries the v2 plugin first, then v1; `run` is injectable so the choice itself can be tested. */
export function findCompose(
  run: (command: string, args: string[]) => { status: number | null; stdout: string } = (command, args) =>
    spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 }),
): ComposeTool | undefined {
  const candidates: Omit<ComposeTool, 'version'>[] = [
    { label: 'docker compose', command: 'docker', prefix: ['compose'] },
    { label: 'docker-compose', command: 'docker-compose', prefix: [] },
  ];
  for (const candidate of candidates) {
    let res: { status: number | null; stdout: string };
    try {
      res = run(candidate.command, [...candidate.prefix, 'version', '--short']);
    } catch {
      continue;
    }
    if (res.status === 0 && res.stdout) return { ...candidate, version: res.stdout.trim().replace(/^v/, '') };
  }
  return undefined;
}

/**
 * Runs Compose with `args`. A test that narrows the environment keeps what the docker CLI needs to
 * find its plugins (HOME, DOCKER_CONFIG).
 */
export function runCompose(
  tool: ComposeTool,
  args: string[],
  options: SpawnSyncOptions = {},
): SpawnSyncReturns<string> {
  const env = options.env && {
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    ...(process.env.DOCKER_CONFIG ? { DOCKER_CONFIG: process.env.DOCKER_CONFIG } : {}),
    ...options.env,
  };
  return spawnSync(tool.command, [...tool.prefix, ...args], {
    ...options,
    ...(env ? { env } : {}),
    encoding: 'utf8',
  }) as SpawnSyncReturns<string>;
}
