import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { ArtifactError, MlflowError } from '../errors.ts';
import type { HttpClient } from '../http.ts';
import type { FileInfo } from '../types.ts';
import { tempSibling } from './local.ts';
import type { ArtifactRepository } from './repository.ts';
import { joinArtifactPath } from './repository.ts';

const ListSchema = z.object({
  files: z
    .array(
      z.object({ path: z.string(), is_dir: z.boolean().optional(), file_size: z.coerce.number().optional() }),
    )
    .optional(),
});

const API = '/api/2.0/mlflow-artifacts/artifacts';

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

/** `mlflow-artifacts:/…` served by `mlflow server --serve-artifacts` (the default since 2.0.1). */
export class ProxyArtifactRepository implements ArtifactRepository {
  /** Path after the scheme (and authority), without leading slash. */
  private readonly base: string;
  constructor(
    readonly rootUri: string,
    private readonly http: HttpClient,
  ) {
    const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(rootUri);
    if (!match) throw new Error(`invalid mlflow-artifacts URI ${JSON.stringify(rootUri)}`);
    this.base = match[1]!.replace(/\/+$/, '');
  }

  private full(relPath: string): string {
    return joinArtifactPath(this.base, relPath);
  }

  async uploadFile(localPath: string, relPath: string): Promise<void> {
    const { size } = await stat(localPath);
    await this.http.raw({
      method: 'PUT',
      path: `${API}/${encodePath(this.full(relPath))}`,
      body: () => createReadStream(localPath),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    });
  }

  async list(relPath: string): Promise<FileInfo[]> {
    const rel = joinArtifactPath(relPath);
    const res = await this.http.json('GET', API, { path: this.full(rel) }, ListSchema);
    // The proxied listing gives basenames relative to the listed directory.
    return (res.files ?? [])
      .map((f) => ({
        path: joinArtifactPath(rel, f.path.split('/').pop()),
        isDir: f.is_dir ?? false,
        ...(f.file_size === undefined ? {} : { fileSize: f.file_size }),
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  async downloadFile(relPath: string, localPath: string): Promise<void> {
    const uri = `mlflow-artifacts:/${this.full(relPath)}`;
    await mkdir(path.dirname(localPath), { recursive: true });
    const tmp = tempSibling(localPath);
    try {
      // A missing file is a permanent 500 INTERNAL_ERROR on MLflow, not a 404: do not retry it.
      const res = await this.http.raw({
        method: 'GET',
        path: `${API}/${encodePath(this.full(relPath))}`,
        responseType: 'stream',
        noRetryOn500: true,
      });
      await pipeline(res.data as Readable, createWriteStream(tmp));
      await rename(tmp, localPath);
    } catch (err) {
      await rm(tmp, { force: true });
      if (err instanceof MlflowError && (err.status === 500 || err.status === 404)) {
        throw new ArtifactError(
          `artifact ${uri} could not be downloaded (missing?): ${err.message}`,
          uri,
          err,
        );
      }
      throw err;
    }
  }
}
