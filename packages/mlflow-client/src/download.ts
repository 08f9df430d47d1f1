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
    if (resolved.immutable) {
      // A concurrent download of the same version finished first: keep it rather than swap it under a reader.
      const raced = await validModel(target).catch(() => undefined);
      if (raced) return { dir: target, ...raced, resolved, fromCache: true };
    }
    await rm(target, { recursive: true, force: true });
    try {
      await rename(local, target);
    } catch (err) {
      // Another process put the same immutable version in place first: use theirs.
      const code = (err as NodeJS.ErrnoException).code;
      if (!(resolved.immutable && (code === 'ENOTEMPTY' || code === 'EEXIST'))) throw err;
    }
    return { dir: target, ...(await validModel(target)), resolved, fromCache: false };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
