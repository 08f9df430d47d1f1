import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { runTask, type Task, type TaskResult } from './tasks.ts';

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Runs tasks on worker threads, one task per worker at a time, results in task order.
 * With `workers <= 1` the tasks run in this thread: same code, same results.
 * Workers start from worker-entry.mjs, which registers tsx and loads the TypeScript worker.
 * An aborted `signal` rejects with its reason and terminates the workers at once (a task
 * running in this thread finishes first: nothing can interrupt it).
 */
export async function runTasks(
  tasks: Task[],
  workers: number,
  onDone?: (i: number) => void,
  signal?: AbortSignal,
): Promise<TaskResult[]> {
  signal?.throwIfAborted();
  const results = new Array<TaskResult>(tasks.length);
  if (workers <= 1 || tasks.length <= 1) {
    for (let i = 0; i < tasks.length; i++) {
      results[i] = runTask(tasks[i]!);
      onDone?.(i);
      signal?.throwIfAborted();
    }
    return results;
  }
  const size = Math.min(workers, tasks.length);
  const pool = Array.from({ length: size }, () => new Worker(new URL('./worker-entry.mjs', import.meta.url)));
  let next = 0;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([
      aborted,
      Promise.all(
        pool.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              const send = () => {
                if (next >= tasks.length) return resolve();
                const id = next++;
                worker.postMessage({ id, task: tasks[id] });
              };
              worker.on(
                'message',
                (msg: { id: number; ok: boolean; result?: TaskResult; error?: string }) => {
                  if (!msg.ok) return reject(new Error(`worker task ${msg.id} failed: ${msg.error}`));
                  results[msg.id] = msg.result!;
                  onDone?.(msg.id);
                  send();
                },
              );
              worker.on('error', reject);
              worker.on('exit', (code) => {
                if (next < tasks.length || code !== 0) reject(new Error(`worker exited with code ${code}`));
              });
              send();
            }),
        ),
      ),
    ]);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

/** Copies a typed array into shared memory, so posting it to workers does not copy it again. */
export function shared<T extends Float32Array | Uint8Array | Uint32Array>(a: T): T {
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}
