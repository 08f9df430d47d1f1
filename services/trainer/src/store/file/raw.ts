import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RawRow, RawStore } from '../types.ts';
import { readJson, writeJsonAtomic } from './json.ts';

/** One JSON file per (group, batch) under raw/. */
export class FileRawStore implements RawStore {
  constructor(private readonly dir: string) {}

  private file(group: number, batch: number) {
    return path.join(this.dir, 'raw', `group-${group}`, `batch-${batch}.json`);
  }

  async insertBatch(group: number, batch: number, rows: readonly unknown[][]): Promise<number> {
    if (rows.length === 0) return 0;
    const file = this.file(group, batch);
    const stored = (await readJson<unknown[][]>(file)) ?? [];
    // Rows are keyed by their index in the batch: only indices not stored yet are added.
    if (rows.length <= stored.length) return 0;
    const merged = [...stored, ...rows.slice(stored.length)];
    await writeJsonAtomic(file, merged);
    return rows.length - stored.length;
  }

  async batches(group: number): Promise<number[]> {
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

  async read(groups: readonly number[]): Promise<RawRow[]> {
    const out: RawRow[] = [];
    for (const group of [...groups].sort((a, b) => a - b)) {
      for (const batch of await this.batches(group)) {
        const rows = (await readJson<unknown[][]>(this.file(group, batch))) ?? [];
        rows.forEach((values, row) => {
          out.push({ group, batch, row, values });
        });
      }
    }
    return out;
  }

  async count(groups: readonly number[]): Promise<number> {
    return (await this.read(groups)).length;
  }
}
