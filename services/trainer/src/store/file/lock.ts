import { mkdir, open, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { PipelineLock, RunLock } from '../types.ts';
import { readJson } from './json.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file holding the holder's pid: meant for one machine, not for shared use. */
export class FileRunLock implements RunLock {
  constructor(private readonly dir: string) {}

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
}
