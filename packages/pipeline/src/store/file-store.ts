import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type {
  KeyedRow,
  PipelineLock,
  PreparedCounts,
  PreparedTables,
  RawRow,
  RejectRow,
  RunRecord,
  RunStatus,
  Split,
  TableStore,
  TaskRecord,
} from './types.ts';

interface RunFile {
  run: Omit<RunRecord, 'startedAt' | 'endedAt'> & { startedAt: string; endedAt: string | null };
  tasks: (Omit<TaskRecord, 'startedAt' | 'endedAt'> & { startedAt: string | null; endedAt: string | null })[];
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write to a temporary name, then rename: a killed process leaves the old file or the new one. */
async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, file);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded default when DATABASE_URL is unset: the same tables as JSON files under one folder.
 * Meant for a single machine (the lock is a file with the holder's pid), not for shared use.
 */
export class FileTableStore implements TableStore {
  readonly kind = 'file' as const;
  readonly location: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.location = path.resolve(dir);
  }

  /** Serialises read-modify-write cycles on the run files (tasks finish concurrently). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  private rawFile(group: number, batch: number) {
    return path.join(this.dir, 'raw', `group-${group}`, `batch-${batch}.json`);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async ensureSchema(): Promise<void> {
    for (const sub of ['raw', 'prepared', 'runs']) await mkdir(path.join(this.dir, sub), { recursive: true });
    // Remove prepared sets that CURRENT does not point to (left by a killed run) and stray temp files.
    const current = await this.currentPrepared();
    for (const entry of await readdir(path.join(this.dir, 'prepared'))) {
      if (entry !== 'CURRENT' && entry !== current) {
        await rm(path.join(this.dir, 'prepared', entry), { recursive: true, force: true });
      }
    }
  }

  async insertRawBatch(group: number, batch: number, rows: readonly unknown[][]): Promise<number> {
    if (rows.length === 0) return 0;
    const file = this.rawFile(group, batch);
    const stored = (await readJson<unknown[][]>(file)) ?? [];
    // Rows are keyed by their index in the batch: only indices not stored yet are added.
    if (rows.length <= stored.length) return 0;
    const merged = [...stored, ...rows.slice(stored.length)];
    await writeJsonAtomic(file, merged);
    return rows.length - stored.length;
  }

  async rawBatches(group: number): Promise<number[]> {
    try {
      const files = await readdir(path.join(this.dir, 'raw', `group-${group}`));
      return files
        .map((f) => /^batch-(\d+)\.json$/.exec(f)?.[1])
        .filter((b): b is string => b !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async readRaw(groups: readonly number[]): Promise<RawRow[]> {
    const out: RawRow[] = [];
    for (const group of [...groups].sort((a, b) => a - b)) {
      for (const batch of await this.rawBatches(group)) {
        const rows = (await readJson<unknown[][]>(this.rawFile(group, batch))) ?? [];
        rows.forEach((values, row) => {
          out.push({ group, batch, row, values });
        });
      }
    }
    return out;
  }

  async countRaw(groups: readonly number[]): Promise<number> {
    return (await this.readRaw(groups)).length;
  }

  private async currentPrepared(): Promise<string | undefined> {
    return (await readJson<{ dir: string }>(path.join(this.dir, 'prepared', 'CURRENT')))?.dir;
  }

  async replacePrepared(tables: PreparedTables): Promise<void> {
    // A new folder per set, then one atomic rewrite of the CURRENT pointer.
    const name = `set-${Date.now()}-${randomUUID().slice(0, 8)}`;
    const dir = path.join(this.dir, 'prepared', name);
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(path.join(dir, 'train.json'), tables.train);
    await writeJsonAtomic(path.join(dir, 'test.json'), tables.test);
    await writeJsonAtomic(path.join(dir, 'rejects.json'), tables.rejects);
    const previous = await this.currentPrepared();
    await writeJsonAtomic(path.join(this.dir, 'prepared', 'CURRENT'), { dir: name });
    if (previous) await rm(path.join(this.dir, 'prepared', previous), { recursive: true, force: true });
  }

  private async readPrepared<T>(file: string): Promise<T[]> {
    const current = await this.currentPrepared();
    if (!current) return [];
    return (await readJson<T[]>(path.join(this.dir, 'prepared', current, file))) ?? [];
  }

  async readSplit(split: Split): Promise<KeyedRow[]> {
    return this.readPrepared<KeyedRow>(`${split}.json`);
  }

  async readRejects(): Promise<RejectRow[]> {
    return this.readPrepared<RejectRow>('rejects.json');
  }

  async countPrepared(): Promise<PreparedCounts> {
    return {
      train: (await this.readSplit('train')).length,
      test: (await this.readSplit('test')).length,
      rejects: (await this.readRejects()).length,
    };
  }

  async tryLock(name: string): Promise<PipelineLock | null> {
    const file = path.join(this.dir, `${name}.lock`);
    await mkdir(this.dir, { recursive: true });
    for (let tries = 0; tries < 2; tries++) {
      try {
        const handle = await open(file, 'wx');
        await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date() }));
        await handle.close();
        let released = false;
        return {
          release: async () => {
            if (released) return;
            released = true;
            await rm(file, { force: true });
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = await readJson<{ pid: number; host: string }>(file).catch(() => undefined);
        // A lock left by a process that died on this machine is stale: take it over once.
        if (holder && holder.host === hostname() && !isAlive(holder.pid)) {
          await rm(file, { force: true });
          continue;
        }
        return null;
      }
    }
    return null;
  }

  private runFile(runId: string) {
    return path.join(this.dir, 'runs', `${runId}.json`);
  }

  private updateRun(runId: string, change: (run: RunFile) => void): Promise<void> {
    return this.serial(async () => {
      const file = this.runFile(runId);
      const data = await readJson<RunFile>(file);
      if (!data) throw new Error(`no record of pipeline run ${runId} in ${this.location}`);
      change(data);
      await writeJsonAtomic(file, data);
    });
  }

  async abandonStaleRuns(now: Date): Promise<number> {
    let count = 0;
    for (const run of await this.listRuns(Number.MAX_SAFE_INTEGER)) {
      if (run.status !== 'running') continue;
      count++;
      await this.updateRun(run.runId, (data) => {
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

  async startRun(run: { runId: string; dag: string; trigger: string; startedAt: Date }): Promise<void> {
    const data: RunFile = {
      run: { ...run, status: 'running', startedAt: run.startedAt.toISOString(), endedAt: null, error: null },
      tasks: [],
    };
    await this.serial(() => writeJsonAtomic(this.runFile(run.runId), data));
  }

  async finishRun(runId: string, status: RunStatus, endedAt: Date, error: string | null): Promise<void> {
    await this.updateRun(runId, (data) => {
      Object.assign(data.run, { status, endedAt: endedAt.toISOString(), error });
    });
  }

  async taskStarted(runId: string, task: string, attempt: number, startedAt: Date): Promise<void> {
    await this.updateRun(runId, (data) => {
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
    await this.updateRun(runId, (data) => {
      let record = data.tasks.find((t) => t.task === task && t.attempt === attempt);
      if (!record) {
        record = { runId, task, attempt, status, startedAt: null, endedAt: null, error: null };
        data.tasks.push(record);
      }
      Object.assign(record, { status, endedAt: endedAt.toISOString(), error });
    });
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    let files: string[] = [];
    try {
      files = (await readdir(path.join(this.dir, 'runs'))).filter((f) => f.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const runs: RunRecord[] = [];
    for (const f of files) {
      const data = await readJson<RunFile>(path.join(this.dir, 'runs', f));
      if (!data) continue;
      runs.push({
        ...data.run,
        startedAt: new Date(data.run.startedAt),
        endedAt: data.run.endedAt ? new Date(data.run.endedAt) : null,
      });
    }
    return runs.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()).slice(0, limit);
  }

  async listTasks(runId: string): Promise<TaskRecord[]> {
    const data = await readJson<RunFile>(this.runFile(runId));
    return (data?.tasks ?? []).map((t) => ({
      ...t,
      startedAt: t.startedAt ? new Date(t.startedAt) : null,
      endedAt: t.endedAt ? new Date(t.endedAt) : null,
    }));
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
