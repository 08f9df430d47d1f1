import { EventEmitter } from 'node:events';
import {
  MODEL_CLASS_LABELS,
  type ModelInputRow,
  NUMERIC_FEATURES,
  SOIL_TYPES,
  WILDERNESS_AREAS,
} from '@covertype/schema';
import type { Logger } from 'pino';
import type { BatchPolicyName } from './batch-policy.ts';
import { DEFAULT_BATCH_WAIT_MS, type InferenceObserver, LoadedModel } from './loaded-model.ts';
import { defaultSuffix, modelRefToUri, registeredName } from './model-ref.ts';
import { ModelSession } from './model-session.ts';
import {
  type FetchedModel,
  ModelNotRegisteredError,
  type ModelSource,
  type RegisteredModelInfo,
  ResolutionCache,
  type ResolvedModel,
} from './model-source.ts';

export interface ModelManagerOptions {
  source: ModelSource;
  uri: string;
  cacheDir: string;
  logger: Logger;
  /** 0 turns polling off. */
  pollMs: number;
  retryMaxMs: number;
  lruSize: number;
  maxBatch: number;
  /** See MicroBatching.waitMs; DEFAULT_BATCH_WAIT_MS when left out. */
  batchWaitMs?: number;
  /** See MicroBatching.policy. */
  batchPolicy?: BatchPolicyName;
  threads?: number;
  /** Where models:/ URIs are looked up (tracking URI without credentials), for messages. */
  registry?: string;
}

/** What to do when the registry holds nothing by MODEL_URI yet. */
export const REGISTER_HINT =
  'train and register one with `pnpm pipeline` (or the trainer service) using the same MLFLOW_TRACKING_URI';

/** What the manager emits (node:events), e.g. for the metrics plugin. */
export interface ModelEvents {
  /** After every model run. */
  inference: Parameters<InferenceObserver>;
  /** After the default model was swapped (or first loaded). */
  load: [event: { model: LoadedModel; previous?: LoadedModel | undefined }];
  /** A new version that failed to load or validate; the previous one keeps serving. */
  refused: [event: { resolved: ResolvedModel; error: Error }];
}

/** Rows every new version must predict before it may serve: mid-range values, all categories, missing ones. */
function smokeRows(): ModelInputRow[] {
  const mid = Object.fromEntries(
    NUMERIC_FEATURES.map((f) => [f.name, (f.min + f.max) / 2]),
  ) as unknown as ModelInputRow;
  const low = Object.fromEntries(NUMERIC_FEATURES.map((f) => [f.name, f.min])) as unknown as ModelInputRow;
  return [
    ...WILDERNESS_AREAS.map((area, i) => ({ ...mid, Wilderness_Area: area, Soil_Type: SOIL_TYPES[i * 9]! })),
    { ...low, Wilderness_Area: '', Soil_Type: 0 },
  ];
}

/** The model answers the contract's question: one label 1..7 and 7 probabilities in [0, 1] per row. */
async function validate(model: LoadedModel): Promise<void> {
  const rows = smokeRows();
  const out = await model.predict(rows);
  const classes = MODEL_CLASS_LABELS.length;
  if (out.labels.length !== rows.length || out.probabilities.length !== rows.length * classes) {
    throw new Error(
      `smoke prediction returned ${out.labels.length} labels and ${out.probabilities.length} probabilities for ${rows.length} rows`,
    );
  }
  for (let i = 0; i < rows.length; i++) {
    const label = out.labels[i]!;
    if (label < 1 || label > classes)
      throw new Error(`smoke prediction gave Cover_Type ${label}, expected 1..7`);
  }
  for (const p of out.probabilities) {
    if (!(p >= -1e-6 && p <= 1 + 1e-6))
      throw new Error(`smoke prediction gave probability ${p}, expected 0..1`);
  }
}

export class ModelNotReadyError extends Error {
  override name = 'ModelNotReadyError';
}

/**
 * Owns the served model: loads it at start (retrying with backoff while the registry or the
 * artifact store is unreachable, serving the last cached version meanwhile), polls the alias or
 * stage and swaps in new versions once validated, and keeps other models chosen per request in a
 * small LRU.
 */
export class ModelManager extends EventEmitter<ModelEvents> {
  private model: LoadedModel | undefined;
  private readonly others = new Map<string, Promise<LoadedModel>>();
  private readonly cache: ResolutionCache;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private attempt = 0;
  private loading: Promise<void> | undefined;
  /** The last load problem, reported by /readyz and the 503 of /predict. */
  lastError: string | undefined;
  /** Versions refused by validation (cacheKey), not retried until the alias moves again. */
  private readonly refused = new Set<string>();
  private readonly observeInference: InferenceObserver = (seconds, rows, model) =>
    this.emit('inference', seconds, rows, model);

  constructor(private readonly options: ModelManagerOptions) {
    super();
    this.cache = new ResolutionCache(options.cacheDir);
  }

  get uri(): string {
    return this.options.uri;
  }

  /** The default model, once loaded. */
  get current(): LoadedModel | undefined {
    return this.model;
  }

  /** Starts loading in the background; resolves once the first attempt finished (loaded or not). */
  start(): Promise<void> {
    // The cached version serves at once (fast cold start, registry down or not); the first
    // refresh then swaps in whatever the alias points to now.
    this.loading = this.loadFromCache().then(() => this.tick());
    return this.loading;
  }

  /** Resolves once a model serves, or rejects after timeoutMs. */
  async ready(timeoutMs = 60_000): Promise<LoadedModel> {
    const deadline = Date.now() + timeoutMs;
    while (!this.model) {
      if (Date.now() > deadline) throw new ModelNotReadyError(this.notReadyMessage());
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.model;
  }

  notReadyMessage(): string {
    // A not-registered error names the registry already.
    const where = this.options.registry && !this.notRegistered ? ` (registry ${this.options.registry})` : '';
    const why = this.lastError ? `: ${this.lastError}` : '';
    const hint = this.notRegistered ? `; ${REGISTER_HINT}` : '';
    return `model ${this.options.uri}${where} is not loaded yet${why}${hint}; retry shortly`;
  }

  /** The last attempt found the registry without the model (as opposed to unreachable or broken). */
  private notRegistered = false;

  /** Checks the URI now (the poll does this every MODEL_POLL_SECONDS). */
  async refresh(): Promise<void> {
    const resolved = await this.options.source.resolve(this.options.uri);
    if (this.model?.resolved.cacheKey === resolved.cacheKey) {
      if (this.model.cachedAt !== undefined) {
        this.model.cachedAt = undefined;
        this.options.logger.info(
          { model: resolved.name, version: resolved.version, registry: resolved.registry },
          'the registry confirms the cached model',
        );
      }
      return;
    }
    if (this.refused.has(resolved.cacheKey)) return;
    const next = await this.load(resolved).catch((err: Error) => {
      this.refused.add(resolved.cacheKey);
      this.emit('refused', { resolved, error: err });
      throw err;
    });
    this.swap(next);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let delay = this.options.pollMs;
    try {
      await this.refresh();
      this.attempt = 0;
      this.lastError = undefined;
      this.notRegistered = false;
    } catch (err) {
      const message = (err as Error).message;
      this.lastError = message;
      this.notRegistered = err instanceof ModelNotRegisteredError;
      const where = { modelUri: this.options.uri, registry: this.options.registry };
      const hint = this.notRegistered ? { hint: REGISTER_HINT } : {};
      if (!this.model) {
        // Not serving yet: retry with exponential backoff, capped, never exit.
        delay = Math.min(500 * 2 ** this.attempt++, this.options.retryMaxMs);
        this.options.logger.warn(
          { ...where, err: message, ...hint, retryInMs: delay },
          this.notRegistered
            ? 'no model registered under MODEL_URI yet; will retry'
            : 'model not loaded; will retry',
        );
      } else {
        const cached =
          this.model.cachedAt !== undefined ? { servingCachedFrom: this.model.resolved.registry } : {};
        this.options.logger.warn(
          { ...where, err: message, ...hint, ...cached },
          'model refresh failed; the loaded version keeps serving',
        );
      }
    }
    if (this.stopped || (delay === 0 && this.model)) return;
    this.timer = setTimeout(() => void this.tick(), delay || this.options.retryMaxMs);
    this.timer.unref();
  }

  private async loadFromCache(): Promise<void> {
    const cached = await this.cache.recall(this.options.uri);
    if (!cached) return;
    try {
      const model = await this.open(cached.resolved, cached.fetched);
      model.cachedAt = cached.savedAt ?? 'unknown';
      this.swap(model);
      // Say where it came from: the registry configured now may hold nothing (or something else).
      const from = cached.resolved.registry ?? 'an unrecorded registry';
      this.options.logger.info(
        {
          model: model.name,
          version: model.version,
          cachedFrom: from,
          cachedAt: model.cachedAt,
          dir: cached.fetched.dir,
          registry: this.options.registry,
        },
        'serving the cached model until the registry answers',
      );
      if (
        this.options.registry &&
        cached.resolved.registry &&
        cached.resolved.registry !== this.options.registry
      ) {
        this.options.logger.warn(
          { cachedFrom: from, registry: this.options.registry },
          'the cached model came from another registry than MLFLOW_TRACKING_URI names',
        );
      }
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'cached model unusable');
    }
  }

  private async open(resolved: ResolvedModel, fetched: FetchedModel): Promise<LoadedModel> {
    const session = await ModelSession.open(fetched.onnxPath, { threads: this.options.threads ?? 1 });
    const batching = {
      maxBatch: this.options.maxBatch,
      waitMs: this.options.batchWaitMs ?? DEFAULT_BATCH_WAIT_MS,
      ...(this.options.batchPolicy ? { policy: this.options.batchPolicy } : {}),
    };
    const model = new LoadedModel(resolved, fetched, session, batching, this.observeInference);
    try {
      await validate(model);
      await model.calibrate(smokeRows());
    } catch (err) {
      await session.release();
      throw new Error(
        `model ${resolved.name} version ${resolved.version ?? '?'} refused: ${(err as Error).message}`,
      );
    }
    return model;
  }

  private async load(resolved: ResolvedModel): Promise<LoadedModel> {
    const fetched = await this.options.source.fetch(resolved);
    const model = await this.open(resolved, fetched);
    await this.cache.remember(resolved, fetched).catch((err: Error) => {
      this.options.logger.warn({ err: err.message }, 'cannot write the model cache index');
    });
    return model;
  }

  private swap(next: LoadedModel): void {
    const previous = this.model;
    // One assignment: requests read this.model once, so each sees either the old or the new model.
    this.model = next;
    this.options.logger.info(
      { model: next.name, version: next.version, previous: previous?.version, runner: next.session.runner },
      'model loaded',
    );
    this.emit('load', { model: next, previous });
    if (previous) {
      // Runs already queued on the old session still finish; release it once they surely have.
      setTimeout(() => void previous.release().catch(() => {}), 10_000).unref();
    }
  }

  /**
   * The model a request asked for: the default one without a reference, else `name`,
   * `name@alias` or `name/version` from the registry, loaded on first use into the LRU.
   */
  async get(ref?: string): Promise<LoadedModel> {
    if (ref === undefined || ref === '') {
      if (!this.model) throw new ModelNotReadyError(this.notReadyMessage());
      return this.model;
    }
    const uri = modelRefToUri(ref, this.options.uri);
    if (uri === this.options.uri || (this.model && this.isDefault(ref))) {
      if (!this.model) throw new ModelNotReadyError(this.notReadyMessage());
      return this.model;
    }
    const hit = this.others.get(uri);
    if (hit) {
      // Map order is insertion order: move to the back as most recently used.
      this.others.delete(uri);
      this.others.set(uri, hit);
      return hit;
    }
    const loading = this.options.source.resolve(uri).then((resolved) => this.load(resolved));
    this.others.set(uri, loading);
    loading.catch(() => this.others.delete(uri));
    while (this.others.size > this.options.lruSize) {
      const [oldest, evicted] = this.others.entries().next().value as [string, Promise<LoadedModel>];
      this.others.delete(oldest);
      evicted.then((m) => setTimeout(() => void m.release().catch(() => {}), 10_000).unref()).catch(() => {});
    }
    return loading;
  }

  /** `covertype` or `covertype@champion` naming the default model. */
  private isDefault(ref: string): boolean {
    const name = registeredName(this.options.uri) ?? this.model?.name;
    return ref === name || ref === `${name}${defaultSuffix(this.options.uri)}`;
  }

  /** The loaded models: the default one first, then the LRU. */
  async loaded(): Promise<LoadedModel[]> {
    const others = await Promise.all(
      [...this.others.values()].map((p) => p.then((m): LoadedModel | undefined => m).catch(() => undefined)),
    );
    return [...(this.model ? [this.model] : []), ...others.filter((m): m is LoadedModel => m !== undefined)];
  }

  async registry(): Promise<RegisteredModelInfo[]> {
    return this.options.source.list();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loading?.catch(() => {});
    const models = await this.loaded();
    this.model = undefined;
    this.others.clear();
    await Promise.all(models.map((m) => m.release().catch(() => {})));
  }
}
