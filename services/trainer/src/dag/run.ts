import type { Logger } from 'pino';
import { type Dag, type Task, type TaskContext, topologicalOrder } from './define.ts';

export type TaskStatus = 'success' | 'failed' | 'upstream_failed' | 'cancelled';

/** Where the runner reports each attempt (MySQL or the local file store implement it). */
export interface TaskRecorder {
  taskStarted(runId: string, task: string, attempt: number, startedAt: Date): Promise<void>;
  taskFinished(
    runId: string,
    task: string,
    attempt: number,
    status: 'success' | 'failed' | 'retrying' | 'upstream_failed' | 'cancelled',
    endedAt: Date,
    error: string | null,
  ): Promise<void>;
}

/** Thrown by a task when trying again cannot help (bad configuration, no usable data). */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

export class TaskTimeoutError extends Error {
  override name = 'TaskTimeoutError';
}

export interface TaskOutcome {
  task: string;
  status: TaskStatus;
  attempts: number;
  durationMs: number;
  error?: string;
}

export interface DagRunResult {
  runId: string;
  ok: boolean;
  durationMs: number;
  tasks: TaskOutcome[];
  results: Map<string, unknown>;
  /** The first failure, worded for a one-line exit message. */
  error?: string;
}

export interface RunDagOptions<Env> {
  dag: Dag<Env>;
  env: Env;
  runId: string;
  log: Logger;
  recorder?: TaskRecorder;
  /** Cancels the run: running attempts see their signal aborted, nothing new starts. */
  signal?: AbortSignal;
  /** For tests: how to wait between attempts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function backoffDelay(task: Task<unknown, unknown>, attempt: number, random = Math.random): number {
  const base = Math.min(task.maxRetryDelayMs, task.retryDelayMs * 2 ** (attempt - 1));
  // ±20% jitter so two trainers that failed together do not retry in lockstep.
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Runs a DAG: each task starts as soon as all its dependencies succeeded, so independent branches
 * run side by side. A failed attempt is retried with exponential backoff; a task that runs out of
 * attempts marks everything downstream `upstream_failed`, while unrelated branches finish.
 */
export async function runDag<Env>(options: RunDagOptions<Env>): Promise<DagRunResult> {
  const { dag, env, runId, log, recorder } = options;
  const sleep = options.sleep ?? abortableSleep;
  const runSignal = options.signal ?? new AbortController().signal;
  const started = Date.now();
  const order = topologicalOrder(dag);
  const results = new Map<string, unknown>();
  const outcomes = new Map<Task<Env, unknown>, TaskOutcome>();
  const running = new Map<Task<Env, unknown>, Promise<void>>();
  let firstError: string | undefined;

  const execute = async (t: Task<Env, unknown>): Promise<void> => {
    const taskStart = Date.now();
    const taskLog = log.child({ task: t.name });
    let attempt = 0;
    for (;;) {
      attempt++;
      const controller = new AbortController();
      const onRunAbort = () => controller.abort(runSignal.reason);
      runSignal.addEventListener('abort', onRunAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      try {
        await recorder?.taskStarted(runId, t.name, attempt, new Date());
        taskLog.info({ attempt }, 'task started');
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const err = new TaskTimeoutError(`task ${t.name} timed out after ${t.timeoutMs} ms`);
            controller.abort(err);
            reject(err);
          }, t.timeoutMs);
        });
        const aborted = new Promise<never>((_, reject) => {
          if (runSignal.aborted) reject(runSignal.reason);
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
        });
        const ctx: TaskContext<Env> = {
          env,
          runId,
          attempt,
          signal: controller.signal,
          log: taskLog,
          result: <Out>(upstream: Task<Env, Out>) => {
            if (!results.has(upstream.name)) {
              throw new Error(`task ${t.name} asked for the result of ${upstream.name}, which has not run`);
            }
            return results.get(upstream.name) as Out;
          },
        };
        const value = await Promise.race([t.run(ctx), timeout, aborted]);
        results.set(t.name, value);
        const durationMs = Date.now() - taskStart;
        await recorder?.taskFinished(runId, t.name, attempt, 'success', new Date(), null);
        taskLog.info({ attempt, durationMs }, 'task succeeded');
        outcomes.set(t, { task: t.name, status: 'success', attempts: attempt, durationMs });
        return;
      } catch (err) {
        const message = errorMessage(err);
        const cancelled = runSignal.aborted;
        const final = cancelled || err instanceof NonRetryableError || attempt > t.retries;
        const status = cancelled ? 'cancelled' : final ? 'failed' : 'retrying';
        await recorder
          ?.taskFinished(runId, t.name, attempt, status, new Date(), message)
          .catch((recordErr) => taskLog.warn({ err: recordErr }, 'could not record the task failure'));
        if (final) {
          // The message is what an operator needs; the stack only at debug level.
          taskLog.error({ attempt, error: message }, cancelled ? 'task cancelled' : 'task failed');
          taskLog.debug({ err }, 'task failure detail');
          outcomes.set(t, {
            task: t.name,
            status: cancelled ? 'cancelled' : 'failed',
            attempts: attempt,
            durationMs: Date.now() - taskStart,
            error: message,
          });
          firstError ??= `task ${t.name} failed after ${attempt} attempt${attempt > 1 ? 's' : ''}: ${message}`;
          return;
        }
        const delay = backoffDelay(t as Task<unknown, unknown>, attempt);
        taskLog.warn({ attempt, err: message, retryInMs: delay }, 'task attempt failed; retrying');
        try {
          await sleep(delay, runSignal);
        } catch {
          // cancelled while waiting: the next loop iteration records it
        }
      } finally {
        clearTimeout(timer);
        runSignal.removeEventListener('abort', onRunAbort);
      }
    }
  };

  // Event loop of the scheduler: start every ready task, wait for any to finish, repeat.
  for (;;) {
    for (const t of order) {
      if (outcomes.has(t) || running.has(t)) continue;
      const depOutcomes = t.dependsOn.map((d) => outcomes.get(d));
      const blocked = depOutcomes.find((o) => o && o.status !== 'success');
      if (blocked || (runSignal.aborted && depOutcomes.every((o) => o))) {
        const status: TaskStatus = runSignal.aborted ? 'cancelled' : 'upstream_failed';
        outcomes.set(t, { task: t.name, status, attempts: 0, durationMs: 0 });
        await recorder
          ?.taskFinished(
            runId,
            t.name,
            0,
            status,
            new Date(),
            blocked ? `upstream ${blocked.task} failed` : null,
          )
          .catch((err) => log.warn({ err }, 'could not record the task'));
        continue;
      }
      if (depOutcomes.every((o) => o?.status === 'success')) {
        const done = execute(t).catch((err) => {
          // execute records its own failures; this only guards the scheduler against a bug there
          outcomes.set(t, {
            task: t.name,
            status: 'failed',
            attempts: 0,
            durationMs: 0,
            error: errorMessage(err),
          });
          firstError ??= `task ${t.name} failed: ${errorMessage(err)}`;
        });
        running.set(
          t,
          done.finally(() => running.delete(t)),
        );
      }
    }
    if (running.size === 0) {
      if (outcomes.size === order.length) break;
      continue; // newly settled outcomes may unblock or skip more tasks
    }
    await Promise.race(running.values());
  }

  const tasks = order.map((t) => outcomes.get(t)!);
  const ok = tasks.every((o) => o.status === 'success');
  if (!ok && !firstError && runSignal.aborted)
    firstError = `run cancelled: ${errorMessage(runSignal.reason)}`;
  return {
    runId,
    ok,
    durationMs: Date.now() - started,
    tasks,
    results,
    ...(ok ? {} : { error: firstError }),
  };
}
