import path from 'node:path';
import { downloadModel, isMlflowError, type MlflowBackend, resolveModelUri } from '@covertype/mlflow';
import { servingCostFromTags } from '@covertype/schema';
import {
  type FetchedModel,
  ModelNotRegisteredError,
  type ModelSource,
  type RegisteredModelInfo,
  type ResolvedModel,
} from './model-source.ts';

/** A name for models outside the registry: the last folder of their location (…/model → its parent). */
function nameFromLocation(location: string): string {
  const parts = location
    .replace(/[/\\]+$/, '')
    .split(/[/\\]/)
    .filter(Boolean);
  const last = parts.at(-1) ?? 'model';
  return (last === 'model' || last === 'artifacts') && parts.length > 1 ? parts.at(-2)! : last;
}

/**
 * Models through the MLflow library: models:/ and runs:/ URIs resolved by the registry (REST or
 * local-directory backend, as MLFLOW_TRACKING_URI says), artifacts from S3 / MinIO, the proxied
 * artifact store or local folders, downloaded once per version into cacheDir.
 */
export class MlflowModelSource implements ModelSource {
  constructor(
    private readonly backend: MlflowBackend,
    private readonly cacheDir: string,
    /** The tracking URI without credentials, for messages and /models. */
    private readonly registry: string,
  ) {}

  async resolve(uri: string): Promise<ResolvedModel> {
    const r = await resolveModelUri(this.backend, uri).catch((err: unknown) => {
      // MLflow answers a missing model or version with RESOURCE_DOES_NOT_EXIST, a missing alias with
      // INVALID_PARAMETER_VALUE: either way the registry holds nothing by that URI yet.
      const missing =
        isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST') || isMlflowError(err, 'INVALID_PARAMETER_VALUE');
      if (uri.startsWith('models:') && missing) {
        throw new ModelNotRegisteredError(uri, this.registry, (err as Error).message);
      }
      throw err;
    });
    const resolved: ResolvedModel & { artifactUri: string; immutable: boolean } = {
      uri,
      name: r.name ?? nameFromLocation(r.artifactUri),
      version: r.version,
      alias: r.alias,
      stage: r.stage,
      runId: r.runId,
      servingCost: r.tags ? servingCostFromTags(r.tags) : undefined,
      cacheKey: r.cacheKey,
      artifactUri: r.artifactUri,
      immutable: r.immutable,
      registry: this.registry,
    };
    return resolved;
  }

  async fetch(resolved: ResolvedModel): Promise<FetchedModel> {
    const r = resolved as ResolvedModel & { artifactUri: string; immutable: boolean };
    const downloaded = await downloadModel(
      this.backend,
      {
        uri: r.uri,
        artifactUri: r.artifactUri,
        cacheKey: r.cacheKey,
        immutable: r.immutable,
        ...(r.name ? { name: r.name } : {}),
        ...(r.version ? { version: r.version } : {}),
        ...(r.runId ? { runId: r.runId } : {}),
      },
      path.resolve(this.cacheDir),
    );
    return { dir: downloaded.dir, onnxPath: downloaded.onnxPath };
  }

  async list(): Promise<RegisteredModelInfo[]> {
    const page = await this.backend.searchRegisteredModels({ maxResults: 100 });
    return page.items.map((m) => {
      const versions = new Map<string, RegisteredModelInfo['versions'][number]>();
      for (const v of m.latestVersions ?? []) {
        versions.set(v.version, {
          version: v.version,
          aliases: [],
          stage: v.currentStage && v.currentStage !== 'None' ? v.currentStage : undefined,
          runId: v.runId,
        });
      }
      for (const [alias, version] of Object.entries(m.aliases ?? {})) {
        const entry = versions.get(version) ?? { version, aliases: [] };
        entry.aliases.push(alias);
        versions.set(version, entry);
      }
      return {
        name: m.name,
        versions: [...versions.values()].sort((a, b) => Number(b.version) - Number(a.version)),
      };
    });
  }
}
