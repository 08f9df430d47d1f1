import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TableStore } from '../types.ts';
import { readJson, writeJsonAtomic } from './json.ts';
import { FileRunLock } from './lock.ts';
import { FileRawStore } from './raw.ts';
import { FileRunLog } from './run-log.ts';
import { FileSplitStore } from './splits.ts';

/**
 * Folder layout changes, applied in order once per folder; `schema.json` records the version reached.
 * A folder made before versions were recorded has the layout of version 1 (creating folders is idempotent).
 */
const MIGRATIONS: readonly { version: number; apply(dir: string): Promise<void> }[] = [
  {
    version: 1,
    apply: async (dir) => {
      for (const sub of ['raw', 'prepared', 'runs']) await mkdir(path.join(dir, sub), { recursive: true });
    },
  },
];

/**
 * The embedded default when DATABASE_URL is unset: the same tables as JSON files under one folder.
 * Meant for a single machine (the lock is a file with the holder's pid), not for shared use.
 */
export class FileTableStore implements TableStore {
  readonly kind = 'file' as const;
  readonly location: string;
  readonly raw: FileRawStore;
  readonly splits: FileSplitStore;
  readonly lock: FileRunLock;
  readonly runs: FileRunLog;

  constructor(private readonly dir: string) {
    this.location = path.resolve(dir);
    this.raw = new FileRawStore(dir);
    this.splits = new FileSplitStore(dir);
    this.lock = new FileRunLock(dir);
    this.runs = new FileRunLog(dir);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async migrate(): Promise<void> {
    const file = path.join(this.dir, 'schema.json');
    let version = (await readJson<{ version: number }>(file))?.version ?? 0;
    for (const m of MIGRATIONS) {
      if (m.version <= version) continue;
      await m.apply(this.dir);
      version = m.version;
      await writeJsonAtomic(file, { version });
    }
    await this.splits.removeStaging();
  }

  async close(): Promise<void> {
    await this.runs.flush();
  }
}
