import { existsSync } from 'node:fs';
import path from 'node:path';

// No Fastify import here: the MLflow client loads this file alone (`@covertype/service-kit/paths`).

/** The checkout's root: the nearest folder at or above `from` holding pnpm-workspace.yaml. */
export function workspaceRoot(from: string = process.cwd()): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
