import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunLog, RunRecord, RunStatus, TaskRecord } from '../types.ts';
import { readJson, writeJsonAtomic } from './json.ts';

interface RunFile {
  run: Omit<RunRecord, 'startedAt' | 'endedAt'> & { startedAt: string; endedAt: string | null };
  tasks: (Omit<TaskRecord, 'startedAt' | 'endedAt'> & { startedAt: string | null; endedAt: string | null })[];
}

/** One JSON file per run under runs/, with its task attempts. */
export class FileRunLog implements RunLog {
  private readonly root: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string) {
    this.root = path.join(dir, 'runs');
  }

  /** Serialises read-modify-write cycles on the run files (tasks finish concurrently). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Resolves once every pending write is done. */
  async flush(): Promise<void> {
    await this.queue;
  }

  private file(runId: string) {
    return path.join(this.root, `${runId}.json`);
  }

  private update(runId: string, change: (run: RunFile) => void): Promise<void> {
    return this.serial(async () => {
      const file = this.file(runId);
      const data = await readJson<RunFile>(file);
      if (!data) throw new Error(`no record of pipeline run ${runId} in ${this.root}`);
      change(data);
      await writeJsonAtomic(file, data);
    });
  }

  async abandonStale(now: Date): Promise<number> {
    let count = 0;
    for (const run of await this.list(Number.MAX_SAFE_INTEGER)) {
      if (run.status !== 'running') continue;
      count++;
      await this.update(run.runId, (data) => {
        const error = 'the trainer stopped before the run finished';
        Object.assign(data.run, { status: 'abandoned', endedAt: now.toISOString(), error });
        for (const t of data.tasks) {
          if (t.status === 'running')
            Object.assign(t, { status: 'abandoned', endedAt: now.toISOString(), error });
        }
      });
    }
    return count;
  }

  async start(run: { runId: string; dag: string; trigger: string; startedAt: Date }): Promise<void> {
    const data: RunFile = {
      run: { ...run, status: 'running', startedAt: run.startedAt.toISOString(), endedAt: null, error: null },
      tasks: [],
    };
    await this.serial(() => writeJsonAtomic(this.file(run.runId), data));
  }

  async finish(runId: string, status: RunStatus, endedAt: Date, error: string | null): Promise<void> {
    await this.update(runId, (data) => {
      Object.assign(data.run, { status, endedAt: endedAt.toISOString(), error });
    });
  }

  async taskStarted(runId: string, task: string, attempt: number, startedAt: Date): Promise<void> {
    await this.update(runId, (data) => {
      data.tasks = data.tasks.filter((t) => !(t.task === task && t.attempt === attempt));
      data.tasks.push({
        runId,
        task,
        attempt,
        status: 'running',
        startedAt: startedAt.toISOString(),
        endedAt: null,
        error: null,
      });
    });
  }

  async taskFinished(
    runId: string,
    task: string,
    attempt: number,
    status: string,
    endedAt: Date,
    error: string | null,
  ): Promise<void> {
    await this.update(runId, (data) => {
      let record = data.tasks.find((t) => t.task === task && t.attempt === attempt);
      if (!record) {
        record = { runId, task, attempt, status, startedAt: null, endedAt: null, error: null };
        data.tasks.push(record);
      }
      Object.assign(record, { status, endedAt: endedAt.toISOString(), error });
    });
  }

  async list(limit: number): Promise<RunRecord[]> {
    let files: string[] = [];
    try {
      files = (await readdir(this.root)).filter((f) => f.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const runs: RunRecord[] = [];
    for (const f of files) {
      const data = await readJson<RunFile>(path.join(this.root, f));
      if (!data) continue;
      runs.push({
        ...data.run,
        startedAt: new Date(data.run.startedAt),
        endedAt: data.run.endedAt ? new Date(data.run.endedAt) : null,
      });
    }
    return runs.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()).slice(0, limit);
  }

  async tasks(runId: string): Promise<TaskRecord[]> {
    const data = await readJson<RunFile>(this.file(runId));
    return (data?.tasks ?? []).map((t) => ({
      ...t,
      startedAt: t.startedAt ? new Date(t.startedAt) : null,
      endedAt: t.endedAt ? new Date(t.endedAt) : null,
    }));
  }
}
