import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArtifactError } from '../errors.ts';
import type { FileInfo } from '../types.ts';
import type { ArtifactRepository } from './repository.ts';
import { joinArtifactPath } from './repository.ts';

/** `file:///abs`, `file:./rel`, `file:rel` or a plain path → an absolute local path. */
export function localPathFromUri(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (uri.startsWith('file:')) return path.resolve(uri.slice('file:'.length));
  return path.resolve(uri);
}

export function fileUri(localPath: string): string {
  return pathToFileURL(path.resolve(localPath)).href;
}

let tmpCounter = 0;
/** A sibling temp name, so rename() is atomic (same filesystem). */
export function tempSibling(target: string): string {
  tmpCounter += 1;
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}-${tmpCounter}`,
  );
}

export class LocalArtifactRepository implements ArtifactRepository {
  readonly root: string;
  constructor(readonly rootUri: string) {
    this.root = localPathFromUri(rootUri);
  }

  private abs(relPath: string): string {
    return path.join(this.root, joinArtifactPath(relPath));
  }

  async uploadFile(localPath: string, relPath: string): Promise<void> {
    const target = this.abs(relPath);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = tempSibling(target);
    await copyFile(localPath, tmp);
    await rename(tmp, target);
  }

  async list(relPath: string): Promise<FileInfo[]> {
    const dir = this.abs(relPath);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const rel = joinArtifactPath(relPath);
    const out: FileInfo[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.') && entry.name.includes('.tmp-')) continue;
      const p = joinArtifactPath(rel, entry.name);
      if (entry.isDirectory()) out.push({ path: p, isDir: true });
      else out.push({ path: p, isDir: false, fileSize: (await stat(path.join(dir, entry.name))).size });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async downloadFile(relPath: string, localPath: string): Promise<void> {
    const source = this.abs(relPath);
    try {
      await mkdir(path.dirname(localPath), { recursive: true });
      await pipeline(createReadStream(source), createWriteStream(localPath));
    } catch (err) {
      throw new ArtifactError(
        `artifact ${JSON.stringify(relPath)} not found under ${this.rootUri} (${(err as NodeJS.ErrnoException).code ?? err})`,
        `${this.rootUri.replace(/\/$/, '')}/${relPath}`,
        err,
      );
    }
  }
}
