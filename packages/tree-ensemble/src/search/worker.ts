import { parentPort } from 'node:worker_threads';
import { runTask, type Task } from './tasks.ts';

// Entry point of the search / forest worker threads: one task at a time, results posted back.
parentPort!.on('message', (msg: { id: number; task: Task }) => {
  try {
    parentPort!.postMessage({ id: msg.id, ok: true, result: runTask(msg.task) });
  } catch (err) {
    parentPort!.postMessage({
      id: msg.id,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
    });
  }
});
