import { createHash } from 'node:crypto';
import { ModelUriError } from './errors.ts';
import type { MlflowBackend, ModelStage, ModelVersion } from './types.ts';
import { MODEL_STAGES } from './types.ts';

/** Where a model URI points, and how to cache it. */
export interface ResolvedModel {
  /** The URI as given. */
  uri: string;
  name?: string;
  version?: string;
  alias?: string;
  stage?: ModelStage;
  runId?: string;
  /** The registry version's tags (models:/ URIs only). */
  tags?: Record<string, string>;
  /** Concrete storage location of the model directory (s3://, mlflow-artifacts:/, file:, path). */
  artifactUri: string;
  /** Relative folder name in the cache: the same key means the same bytes. */
  cacheKey: string;
  /** Registry versions never change, so their cached copy is reused across restarts. */
  immutable: boolean;
}

const safe = (s: string) => s.replace(/[^\w.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

function maxVersion(versions: ModelVersion[]): ModelVersion | undefined {
  return versions.reduce<ModelVersion | undefined>(
    (best, v) => (!best || Number(v.version) > Number(best.version) ? v : best),
    undefined,
  );
}

async function concrete(
  backend: MlflowBackend,
  uri: string,
): Promise<{ artifactUri: string; runId?: string }> {
  const match = /^runs:\/+([^/]+)\/?(.*)$/.exec(uri);
  if (!match) return { artifactUri: uri };
  const run = await backend.getRun(match[1]!);
  const rel = match[2]!.replace(/^\/+|\/+$/g, '');
  const root = run.info.artifactUri.replace(/\/+$/, '');
  return { artifactUri: rel ? `${root}/${rel}` : root, runId: match[1]! };
}

/**
 * Resolves a model URI the way MLflow's Python client does: `models:/name/3`, `models:/name/latest`,
 * `models:/name/Production`, `models:/name@champion` → a registry version and its download URI;
 * `runs:/<run_id>/path` → the run's artifact URI; `s3://…`, `mlflow-artifacts:/…`, `file:…` and paths as is.
 */
export async function resolveModelUri(backend: MlflowBackend, uri: string): Promise<ResolvedModel> {
  if (uri.startsWith('models:')) {
    const body = uri.replace(/^models:\/*/, '');
    const aliasMatch = /^([^/@]+)@([\w-]+)$/.exec(body);
    const pathMatch = /^([^/@]+)\/([^/]+)$/.exec(body);
    let mv: ModelVersion;
    const out: Partial<ResolvedModel> = {};
    if (aliasMatch) {
      out.alias = aliasMatch[2]!;
      mv = await backend.getModelVersionByAlias(aliasMatch[1]!, aliasMatch[2]!);
    } else if (pathMatch) {
      const [, name, suffix] = pathMatch as unknown as [string, string, string];
      if (/^\d+$/.test(suffix)) {
        mv = await backend.getModelVersion(name, suffix);
      } else {
        const stage =
          suffix.toLowerCase() === 'latest'
            ? undefined
            : MODEL_STAGES.find((s) => s.toLowerCase() === suffix.toLowerCase());
        if (suffix.toLowerCase() !== 'latest' && !stage) {
          throw new ModelUriError(
            `invalid model URI ${JSON.stringify(uri)}: '${suffix}' is neither a version number, 'latest', nor a stage (${MODEL_STAGES.join(', ')})`,
            uri,
          );
        }
        const found = maxVersion(await backend.getLatestVersions(name, stage ? [stage] : []));
        if (!found) {
          throw new ModelUriError(
            `no version of registered model '${name}' is in stage '${stage ?? 'any'}' (${uri})`,
            uri,
          );
        }
        if (stage) out.stage = stage;
        mv = found;
      }
    } else {
      throw new ModelUriError(
        `invalid model URI ${JSON.stringify(uri)}: expected models:/<name>/<version|stage|latest> or models:/<name>@<alias>`,
        uri,
      );
    }
    const downloadUri = await backend.getModelVersionDownloadUri(mv.name, mv.version);
    const { artifactUri, runId } = await concrete(backend, downloadUri);
    const effectiveRunId = mv.runId ?? runId;
    return {
      uri,
      ...out,
      name: mv.name,
      version: mv.version,
      ...(effectiveRunId ? { runId: effectiveRunId } : {}),
      tags: mv.tags ?? {},
      artifactUri,
      // creation time guards against a model deleted and re-registered under the same name.
      cacheKey: `models/${safe(mv.name)}/${mv.version}-${mv.creationTimestamp ?? 0}`,
      immutable: true,
    };
  }
  if (uri.startsWith('runs:')) {
    const { artifactUri, runId } = await concrete(backend, uri);
    if (!/^runs:\/+[^/]+\/.+/.test(uri)) {
      throw new ModelUriError(
        `invalid model URI ${JSON.stringify(uri)}: expected runs:/<run_id>/<artifact_path>`,
        uri,
      );
    }
    return { uri, runId: runId!, artifactUri, cacheKey: `runs/${runId}-${hash(uri)}`, immutable: false };
  }
  if (uri.trim() === '')
    throw new ModelUriError('empty model URI: expected models:/, runs:/, s3://, file: or a path', uri);
  return { uri, artifactUri: uri, cacheKey: `uri/${hash(uri)}`, immutable: false };
}
