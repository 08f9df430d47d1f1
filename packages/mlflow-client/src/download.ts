import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { localPathFromUri } from './artifacts/index.ts';
import { ArtifactError } from './errors.ts';
import { onnxPathOf, readMlmodel } from './mlmodel.ts';
import type { ResolvedModel } from './model-uri.ts';
import type { MlflowBackend, Mlmodel } from './types.ts';

export interface DownloadedModel {
  /** Local model directory (holds MLmodel). */
  dir: string;
  mlmodel: Mlmodel;
  /** The ONNX file named by the `onnx` flavor. */
  onnxPath: string;
  resolved: ResolvedModel;
  /** True when an earlier download was reused. */
  fromCache: boolean;
}

async function validModel(dir: string): Promise<{ mlmodel: Mlmodel; onnxPath: string }> {
  const mlmodel = await readMlmodel(dir);
  return { mlmodel, onnxPath: await onnxPathOf(dir, mlmodel) };
}

function isLocal(uri: string): boolean {
  return uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]+:/i.test(uri);
}

/**
 * Fetches a resolved model into `<cacheDir>/<cacheKey>`: downloaded into a temp dir, checked (MLmodel with an
 * onnx flavor, non-empty ONNX file), then renamed into place, so a crash never leaves a half model behind.
 * Registry versions are immutable: a cached copy that still checks out is reused without any network call.
 * Local model directories are used in place.
 */
export async function downloadModel(
  backend: MlflowBackend,
  resolved: ResolvedModel,
  cacheDir: string,
): Promise<DownloadedModel> {
  if (isLocal(resolved.artifactUri)) {
    const dir = localPathFromUri(resolved.artifactUri);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      throw new ArtifactError(
        `model directory ${dir} does not exist (from ${resolved.uri})`,
        resolved.artifactUri,
      );
    }
    return { dir, ...(await validModel(dir)), resolved, fromCache: false };
  }
  const target = path.resolve(cacheDir, ...resolved.cacheKey.split('/'));
  if (resolved.immutable) {
    const cached = await validModel(target).catch(() => undefined);
    if (cached) return { dir: target, ...cached, resolved, fromCache: true };
  }
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = await mkdtemp(path.join(path.dirname(target), '.download-'));
  try {
    let local: string;
    try {
      local = await backend.downloadArtifacts({ artifactUri: resolved.artifactUri }, tmp);
    } catch (err) {
      if (err instanceof ArtifactError) {
        throw new ArtifactError(
          `model ${resolved.uri} could not be downloaded from ${resolved.artifactUri}: ${err.message}`,
          resolved.artifactUri,
          err,
        );
      }
      throw err;
    }
    try {
      await validModel(local);
    } catch (err) {
      throw new ArtifactError(
        `model ${resolved.uri} at ${resolved.artifactUri} is not a usable ONNX MLflow model: ${(err as Error).message}`,
        resolved.artifactUri,
        err,
      );
    }
    // rename() onto a non-empty directory fails atomically (ENOTEMPTY), so a complete copy at the
    // target is never replaced under a reader; only a damaged one (or a mutable URI's) is moved aside.
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(local, target);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt > 0) throw err;
        if (resolved.immutable) {
          const theirs = await validModel(target).catch(() => undefined);
          if (theirs) return { dir: target, ...theirs, resolved, fromCache: true };
        }
        await rename(target, path.join(tmp, 'stale')).catch(() => undefined);
      }
    }
    return { dir: target, ...(await validModel(target)), resolved, fromCache: false };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
