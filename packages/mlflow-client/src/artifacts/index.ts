import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { ArtifactError } from '../errors.ts';
import { HttpClient } from '../http.ts';
import { LocalArtifactRepository } from './local.ts';
import { ProxyArtifactRepository } from './proxy.ts';
import type { ArtifactRepository } from './repository.ts';
import { joinArtifactPath } from './repository.ts';
import { S3ArtifactRepository } from './s3.ts';

export interface ArtifactContext {
  /** For `mlflow-artifacts:`; absent on the local backend. */
  http?: HttpClient;
  /** Lazily built S3 client (MLFLOW_S3_ENDPOINT_URL, AWS_*). */
  s3: () => S3Client;
  partSizeBytes: number;
}

/** The repository for an artifact URI, by scheme. */
export function artifactRepository(uri: string, ctx: ArtifactContext): ArtifactRepository {
  if (/^s3a?:\/\//.test(uri)) return new S3ArtifactRepository(uri, ctx.s3(), ctx.partSizeBytes);
  if (uri.startsWith('mlflow-artifacts:')) {
    if (!ctx.http) {
      throw new ArtifactError(
        `${uri} needs a tracking server (MLFLOW_TRACKING_URI=http://…) to proxy artifacts`,
        uri,
      );
    }
    const authority = /^mlflow-artifacts:\/\/([^/]+)/.exec(uri)?.[1];
    if (authority) {
      // An authority replaces the tracking host; the scheme stays the tracking URI's.
      const scheme = new URL(ctx.http.options.baseUrl).protocol;
      return new ProxyArtifactRepository(
        uri,
        new HttpClient({ ...ctx.http.options, baseUrl: `${scheme}//${authority}` }),
      );
    }
    return new ProxyArtifactRepository(uri, ctx.http);
  }
  if (uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]+:/i.test(uri)) return new LocalArtifactRepository(uri);
  throw new ArtifactError(
    `unsupported artifact URI ${JSON.stringify(uri)}: expected s3://, mlflow-artifacts:/, file: or a local path`,
    uri,
  );
}

async function walk(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = base ? `${base}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Uploads every file under localDir to `<root>/<artifactPath>/…`, two at a time. */
export async function uploadDirectory(
  repo: ArtifactRepository,
  localDir: string,
  artifactPath?: string,
): Promise<number> {
  const info = await stat(localDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ArtifactError(`${localDir} is not a directory`, localDir);
  const files = await walk(localDir);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const rel = files[next++]!;
      await repo.uploadFile(path.join(localDir, rel), joinArtifactPath(artifactPath, rel));
    }
  };
  await Promise.all([worker(), worker()]);
  return files.length;
}

/**
 * Downloads `<root>/<relPath>` (a file or a directory tree) to `dstDir/<relPath>`; returns that local path.
 * A path that is neither a listed directory nor a downloadable file raises ArtifactError.
 */
export async function downloadTree(
  repo: ArtifactRepository,
  relPath: string,
  dstDir: string,
): Promise<string> {
  const rel = joinArtifactPath(relPath);
  const target = rel ? path.join(dstDir, ...rel.split('/')) : dstDir;
  const entries = await repo.list(rel);
  if (entries.length === 0) {
    if (rel === '') {
      throw new ArtifactError(`no artifacts found under ${repo.rootUri}`, repo.rootUri);
    }
    await repo.downloadFile(rel, target);
    return target;
  }
  await mkdir(target, { recursive: true });
  const files: string[] = [];
  const collect = async (items: typeof entries) => {
    for (const item of items) {
      if (item.isDir) await collect(await repo.list(item.path));
      else files.push(item.path);
    }
  };
  await collect(entries);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      const local = path.join(dstDir, ...file.split('/'));
      await repo.downloadFile(file, local);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return target;
}

export { fileUri, LocalArtifactRepository, localPathFromUri } from './local.ts';
export { ProxyArtifactRepository } from './proxy.ts';
export type { ArtifactRepository } from './repository.ts';
export { joinArtifactPath } from './repository.ts';
export { createS3Client, parseS3Uri, S3ArtifactRepository } from './s3.ts';
