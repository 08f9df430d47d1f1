import type { SweepConfig } from './types.ts';

/** The workshop's configurations, plus a low-memory one to show what an OOM looks like. */
export const DEFAULT_MATRIX: SweepConfig[] = [
  { replicas: 1, cpus: 1, memoryMb: 500 },
  { replicas: 1, cpus: 1, memoryMb: 1536 },
  { replicas: 1, cpus: 0.5, memoryMb: 1536 },
  { replicas: 2, cpus: 1, memoryMb: 1536 },
  { replicas: 3, cpus: 1, memoryMb: 1536 },
  { replicas: 4, cpus: 1, memoryMb: 1536 },
  { replicas: 6, cpus: 1, memoryMb: 1536 },
  { replicas: 1, cpus: 1, memoryMb: 128 },
];

export class MatrixError extends Error {
  override name = 'MatrixError';
}

/** "500M", "1.5G", "1536" (MB) → MB. */
export function parseMemory(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(m|mb|mi|mib|g|gb|gi|gib)?$/i.exec(text.trim());
  if (!m) throw new MatrixError(`memory ${JSON.stringify(text)}: expected e.g. 500M, 1.5G or 1536`);
  const unit = (m[2] ?? 'm').toLowerCase();
  return Math.round(Number(m[1]) * (unit.startsWith('g') ? 1024 : 1));
}

/**
 * Parses SWEEP_CONFIGS: comma-separated `replicas:cpus:memory` triples, e.g. "1:1:500M,2:1:1.5G".
 * cpus and memory may be left out ("2" = 2 replicas, 1 CPU, 1.5 GB).
 */
export function parseMatrix(text: string): SweepConfig[] {
  const configs = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [replicas, cpus = '1', memory = '1.5G', ...rest] = part.split(':');
      const config = { replicas: Number(replicas), cpus: Number(cpus), memoryMb: parseMemory(memory) };
      if (rest.length || !Number.isInteger(config.replicas) || config.replicas < 1 || !(config.cpus > 0)) {
        throw new MatrixError(
          `configuration ${JSON.stringify(part)}: expected replicas:cpus:memory such as 2:1:1.5G (replicas ≥ 1, cpus > 0)`,
        );
      }
      return config;
    });
  if (configs.length === 0) throw new MatrixError('SWEEP_CONFIGS is empty: expected e.g. 1:1:1.5G,2:1:1.5G');
  return configs;
}

export function formatMemory(mb: number): string {
  return mb >= 1024 ? `${+(mb / 1024).toFixed(2)} GB` : `${mb} MB`;
}

export function configLabel(c: SweepConfig): string {
  return `${c.replicas} × (${c.cpus} CPU, ${formatMemory(c.memoryMb)})`;
}
