import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServingCost } from '@covertype/schema';

/** Where a model URI points right now (a registry alias moves; the cacheKey says to what). */
export interface ResolvedModel {
  uri: string;
  name: string;
  version?: string | undefined;
  alias?: string | undefined;
  stage?: string | undefined;
  runId?: string | undefined;
  /** What the version costs to serve, as the promotion gate measured it (registry versions only). */
  servingCost?: ServingCost | undefined;
  /** Changes exactly when the artifacts behind the URI change (registry version, run, path). */
  cacheKey: string;
  /** The registry (tracking URI, without credentials) it was resolved in; unset for a folder. */
  registry?: string | undefined;
}

export interface FetchedModel {
  /** Local folder with MLmodel (optional for a bare folder) and the ONNX file. */
  dir: string;
  onnxPath: string;
}

export interface RegisteredModelInfo {
  name: string;
  versions: { version: string; aliases: string[]; stage?: string | undefined; runId?: string | undefined }[];
}

/** Resolves a model URI and brings its artifacts to a local folder. The app needs nothing else. */
export interface ModelSource {
  resolve(uri: string): Promise<ResolvedModel>;
  fetch(resolved: ResolvedModel): Promise<FetchedModel>;
  /** The registry's models, for GET /models (empty when the backend has no registry). */
  list(): Promise<RegisteredModelInfo[]>;
}

/** A model URI the source cannot handle, or artifacts that are not there. */
export class ModelSourceError extends Error {
  override name = 'ModelSourceError';
}

/** The registry answered, and holds no model, version or alias by that URI (nothing registered yet). */
export class ModelNotRegisteredError extends ModelSourceError {
  override name = 'ModelNotRegisteredError';
  /** Not found, as the registry said (what a request naming this model gets). */
  readonly status = 404;
  constructor(
    readonly uri: string,
    readonly registry: string,
    detail: string,
  ) {
    super(`${uri} is not in the registry at ${registry} (${detail})`);
  }
}

/** Reads the ONNX file name from an MLmodel file (flavors.onnx.data), falling back to model.onnx. */
export async function findOnnxFile(dir: string): Promise<string> {
  const mlmodelPath = path.join(dir, 'MLmodel');
  if (existsSync(mlmodelPath)) {
    const text = await readFile(mlmodelPath, 'utf8');
    // The onnx flavor's `data:` line; a full YAML parser is not needed for this one key.
    const onnxBlock = /(^|\n)\s{2}onnx:\s*\n((?:\s{4}.*\n?)*)/.exec(text);
    const data = onnxBlock ? /\n?\s{4}data:\s*['"]?([^'"\n]+)['"]?/.exec(onnxBlock[2]!) : null;
    if (data) return path.join(dir, data[1]!.trim());
  }
  const fallback = path.join(dir, 'model.onnx');
  if (existsSync(fallback)) return fallback;
  throw new ModelSourceError(
    `no ONNX model in ${dir}: expected an MLmodel with an onnx flavor or model.onnx`,
  );
}

/** file:/…, file:///… or a plain path → absolute local path. */
export function localPath(uri: string): string | undefined {
  if (uri.startsWith('file:'))
    return fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri)) return path.resolve(uri);
  return undefined;
}

/**
 * Serves models from local folders (file: URIs and paths). Used when no registry is configured,
 * and in tests. A folder's cacheKey follows its ONNX file's size and mtime, so replacing the file
 * counts as a new version.
 */
export class LocalModelSource implements ModelSource {
  async resolve(uri: string): Promise<ResolvedModel> {
    const dir = localPath(uri);
    if (!dir)
      throw new ModelSourceError(`cannot resolve ${uri} without a registry; expected file: or a path`);
    if (!existsSync(dir)) throw new ModelSourceError(`model folder ${dir} does not exist`);
    const onnx = await findOnnxFile(dir);
    const info = await stat(onnx);
    return {
      uri,
      name: path.basename(dir),
      version: String(Math.floor(info.mtimeMs)),
      cacheKey: `file:${onnx}:${info.size}:${info.mtimeMs}`,
    };
  }

  async fetch(resolved: ResolvedModel): Promise<FetchedModel> {
    const dir = localPath(resolved.uri)!;
    return { dir, onnxPath: await findOnnxFile(dir) };
  }

  async list(): Promise<RegisteredModelInfo[]> {
    return [];
  }
}

/**
 * Remembers the last model each URI resolved to, so a restart can serve from the local cache
 * while the registry is unreachable.
 */
export class ResolutionCache {
  constructor(private readonly cacheDir: string) {}

  private file(uri: string): string {
    const hash = createHash('sha256').update(uri).digest('hex').slice(0, 16);
    return path.join(this.cacheDir, 'resolved', `${hash}.json`);
  }

  async remember(resolved: ResolvedModel, fetched: FetchedModel): Promise<void> {
    const file = this.file(resolved.uri);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ resolved, fetched, savedAt: new Date().toISOString() }));
    await rename(tmp, file);
  }

  async recall(
    uri: string,
  ): Promise<{ resolved: ResolvedModel; fetched: FetchedModel; savedAt?: string } | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.file(uri), 'utf8')) as {
        resolved: ResolvedModel;
        fetched: FetchedModel;
        savedAt?: string;
      };
      return existsSync(entry.fetched.onnxPath) ? entry : undefined;
    } catch {
      return undefined;
    }
  }
}
