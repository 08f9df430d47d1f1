import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { KeyedRow, PreparedCounts, PreparedTables, RejectRow, Split, SplitStore } from '../types.ts';
import { readJson, writeJsonAtomic } from './json.ts';

/** Each prepared set in a folder of its own under prepared/; the CURRENT file points at the live one. */
export class FileSplitStore implements SplitStore {
  private readonly root: string;

  constructor(dir: string) {
    this.root = path.join(dir, 'prepared');
  }

  private async current(): Promise<string | undefined> {
    return (await readJson<{ dir: string }>(path.join(this.root, 'CURRENT')))?.dir;
  }

  /** Removes prepared sets CURRENT does not point to (left by a killed run) and stray temp files. */
  async removeStaging(): Promise<void> {
    const current = await this.current();
    for (const entry of await readdir(this.root)) {
      if (entry !== 'CURRENT' && entry !== current) {
        await rm(path.join(this.root, entry), { recursive: true, force: true });
      }
    }
  }

  async replace(tables: PreparedTables): Promise<void> {
    // A new folder per set, then one atomic rewrite of the CURRENT pointer.
    const name = `set-${Date.now()}-${randomUUID().slice(0, 8)}`;
    const dir = path.join(this.root, name);
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(path.join(dir, 'train.json'), tables.train);
    await writeJsonAtomic(path.join(dir, 'test.json'), tables.test);
    await writeJsonAtomic(path.join(dir, 'rejects.json'), tables.rejects);
    const previous = await this.current();
    await writeJsonAtomic(path.join(this.root, 'CURRENT'), { dir: name });
    if (previous) await rm(path.join(this.root, previous), { recursive: true, force: true });
  }

  private async readSet<T>(file: string): Promise<T[]> {
    const current = await this.current();
    if (!current) return [];
    return (await readJson<T[]>(path.join(this.root, current, file))) ?? [];
  }

  read(split: Split): Promise<KeyedRow[]> {
    return this.readSet<KeyedRow>(`${split}.json`);
  }

  async count(): Promise<PreparedCounts> {
    return {
      train: (await this.read('train')).length,
      test: (await this.read('test')).length,
      rejects: (await this.readSet<RejectRow>('rejects.json')).length,
    };
  }
}
