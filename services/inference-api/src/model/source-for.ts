import type { MlflowConfig } from '@covertype/mlflow/config';
import type { Logger } from 'pino';
import {
  type FetchedModel,
  LocalModelSource,
  localPath,
  type ModelSource,
  type RegisteredModelInfo,
  type ResolvedModel,
} from './model-source.ts';

/**
 * Local folders (file: URIs, paths) are served without the registry; everything else goes
 * through the MLflow library, imported on first use: it weighs ~0.7 s and ~25 MB at start-up,
 * which a restart serving the cached model should not pay before it is ready.
 */
export class RoutingModelSource implements ModelSource {
  private readonly local = new LocalModelSource();
  private registry: Promise<ModelSource> | undefined;

  constructor(
    private readonly cacheDir: string,
    private readonly config: MlflowConfig,
    private readonly logger: Logger,
  ) {}

  /** Where models:/ URIs are looked up: the tracking URI without credentials. */
  get registryUri(): string {
    return registryLabel(this.config.trackingUri);
  }

  /** Loads the MLflow library (its settings were checked at start, with the rest of the config). */
  mlflow(): Promise<ModelSource> {
    this.registry ??= import('./mlflow-source.ts').then(async ({ MlflowModelSource }) => {
      const { createMlflow } = await import('@covertype/mlflow');
      const backend = createMlflow(this.config, {
        onRetry: (info) => this.logger.warn(info, 'mlflow request failed; retrying'),
      });
      return new MlflowModelSource(backend, this.cacheDir, this.registryUri);
    });
    return this.registry;
  }

  private isLocal(uri: string): boolean {
    return localPath(uri) !== undefined;
  }

  async resolve(uri: string): Promise<ResolvedModel> {
    return this.isLocal(uri) ? this.local.resolve(uri) : (await this.mlflow()).resolve(uri);
  }

  async fetch(resolved: ResolvedModel): Promise<FetchedModel> {
    return this.isLocal(resolved.uri) ? this.local.fetch(resolved) : (await this.mlflow()).fetch(resolved);
  }

  async list(): Promise<RegisteredModelInfo[]> {
    return (await this.mlflow()).list();
  }
}

/** A tracking URI fit for logs and answers: user and password taken out. */
export function registryLabel(uri: string): string {
  if (!/^https?:\/\//i.test(uri)) return uri;
  try {
    const url = new URL(uri);
    url.username = '';
    url.password = '';
    return url.href.replace(/\/$/, '');
  } catch {
    return uri;
  }
}
