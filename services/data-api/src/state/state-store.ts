import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** What survives a restart: the seed (so the same batches come back) and each group's progress. */
export const PersistedStateSchema = z.object({
  version: z.literal(1),
  seed: z.string(),
  dataset: z.object({ fingerprint: z.string(), rows: z.number().int().min(0) }),
  groups: z.record(
    z.string(),
    z.object({
      batch_number: z.number().int().min(0).max(10),
      last_advance_at: z.iso.datetime().nullable(),
    }),
  ),
});
export type PersistedState = z.infer<typeof PersistedStateSchema>;

export interface LoadResult {
  state?: PersistedState;
  /** Why a state that was there could not be used (the service then starts fresh). */
  problem?: string;
}

export interface StateStore {
  readonly description: string;
  load(): Promise<LoadResult>;
  save(state: PersistedState): Promise<void>;
}

/** Keeps the state in memory: for tests, and for running without a writable disk. */
export class MemoryStateStore implements StateStore {
  readonly description = 'memory';
  constructor(public state?: PersistedState) {}
  async load(): Promise<LoadResult> {
    return this.state ? { state: structuredClone(this.state) } : {};
  }
  async save(state: PersistedState): Promise<void> {
    this.state = structuredClone(state);
  }
}

/**
 * A JSON file written atomically (temp file, fsync, rename), so a crash mid-write leaves the previous
 * state intact. Saves are queued: the last one to be called is the one on disk.
 */
export class FileStateStore implements StateStore {
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  get description(): string {
    return this.file;
  }

  async load(): Promise<LoadResult> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return {};
      return { problem: `cannot read ${this.file}: ${e.message}` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { problem: `${this.file} is not valid JSON` };
    }
    const parsed = PersistedStateSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return {
        problem: `${this.file} is not a data API state file (${issue.path.join('.')}: ${issue.message})`,
      };
    }
    return { state: parsed.data };
  }

  /** Fails early (at start-up) when the folder cannot be created. */
  async prepare(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
  }

  save(state: PersistedState): Promise<void> {
    const text = `${JSON.stringify(state, null, 2)}\n`;
    const run = this.queue.then(() => this.write(text));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(text: string): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}
