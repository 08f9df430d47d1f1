import type { Logger } from 'pino';

/** What a task sees while it runs: the shared environment, its attempt, and its upstream results. */
export interface TaskContext<Env> {
  env: Env;
  runId: string;
  attempt: number;
  /** Aborted when the attempt times out or the whole run is cancelled. */
  signal: AbortSignal;
  log: Logger;
  /** The value an upstream task returned (only tasks listed in dependsOn, directly or transitively). */
  result<Out>(task: Task<Env, Out>): Out;
}

export interface Task<Env, Out = unknown> {
  readonly name: string;
  readonly description: string;
  readonly dependsOn: readonly Task<Env, unknown>[];
  /** Extra attempts after the first failure. */
  readonly retries: number;
  /** First retry delay; each further retry doubles it (with jitter), capped at maxRetryDelayMs. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** Per attempt. */
  readonly timeoutMs: number;
  run(ctx: TaskContext<Env>): Promise<Out>;
}

export interface TaskOptions<Env, Out> {
  name: string;
  description: string;
  dependsOn?: readonly Task<Env, unknown>[];
  retries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  timeoutMs: number;
  run(ctx: TaskContext<Env>): Promise<Out>;
}

export function task<Env, Out>(options: TaskOptions<Env, Out>): Task<Env, Out> {
  return {
    dependsOn: [],
    retries: 0,
    retryDelayMs: 1000,
    maxRetryDelayMs: 30_000,
    ...options,
  };
}

export interface Dag<Env> {
  readonly name: string;
  readonly description: string;
  readonly tasks: readonly Task<Env, unknown>[];
}

export class DagDefinitionError extends Error {
  override name = 'DagDefinitionError';
}

/** Checks the graph once, when it is declared: unique names, known dependencies, no cycle. */
export function defineDag<Env>(dag: Dag<Env>): Dag<Env> {
  const names = new Set<string>();
  for (const t of dag.tasks) {
    if (names.has(t.name))
      throw new DagDefinitionError(`DAG ${dag.name}: task name "${t.name}" is used twice`);
    names.add(t.name);
  }
  for (const t of dag.tasks) {
    for (const dep of t.dependsOn) {
      if (!dag.tasks.includes(dep)) {
        throw new DagDefinitionError(
          `DAG ${dag.name}: task "${t.name}" depends on "${dep.name}", which is not in the DAG`,
        );
      }
    }
  }
  topologicalOrder(dag);
  return dag;
}

/** Tasks in an order where every task comes after its dependencies (Kahn's algorithm, stable). */
export function topologicalOrder<Env>(dag: Dag<Env>): Task<Env, unknown>[] {
  const done = new Set<Task<Env, unknown>>();
  const order: Task<Env, unknown>[] = [];
  while (order.length < dag.tasks.length) {
    const next = dag.tasks.find((t) => !done.has(t) && t.dependsOn.every((d) => done.has(d)));
    if (!next) {
      const stuck = dag.tasks.filter((t) => !done.has(t)).map((t) => t.name);
      throw new DagDefinitionError(`DAG ${dag.name}: dependency cycle among ${stuck.join(', ')}`);
    }
    done.add(next);
    order.push(next);
  }
  return order;
}

/** Tasks grouped into waves that can run side by side (used for the printed plan). */
export function planWaves<Env>(dag: Dag<Env>): Task<Env, unknown>[][] {
  const level = new Map<Task<Env, unknown>, number>();
  for (const t of topologicalOrder(dag)) {
    level.set(t, t.dependsOn.length ? Math.max(...t.dependsOn.map((d) => level.get(d)!)) + 1 : 0);
  }
  const waves: Task<Env, unknown>[][] = [];
  for (const [t, l] of level) {
    const wave = waves[l];
    if (wave) wave.push(t);
    else waves[l] = [t];
  }
  return waves;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The plan as text: one line per task with its dependencies, retries and timeout. */
export function describePlan<Env>(dag: Dag<Env>): string {
  const lines = [`DAG ${dag.name}: ${dag.description}`];
  planWaves(dag).forEach((wave, i) => {
    lines.push(`  step ${i + 1}${wave.length > 1 ? ' (in parallel)' : ''}:`);
    for (const t of wave) {
      const deps = t.dependsOn.length ? ` after ${t.dependsOn.map((d) => d.name).join(', ')};` : '';
      lines.push(
        `    - ${t.name}:${deps} retries ${t.retries}, timeout ${formatDuration(t.timeoutMs)} — ${t.description}`,
      );
    }
  });
  return lines.join('\n');
}
