import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { BATCHES_PER_GROUP, BatchPlan, GROUPS } from './batches/batch-plan.ts';
import type { Dataset } from './dataset/dataset.ts';
import { GroupExhaustedError } from './errors.ts';
import { FRESH, type GroupProgress, nextBatchAt, step } from './state/progress.ts';
import type { PersistedState, StateStore } from './state/state-store.ts';

export interface DataServiceOptions {
  dataset: Dataset;
  store: StateStore;
  /** Seconds between two batches of one group. */
  minUpdateTime: number;
  /** DATA_SEED; undefined means the saved one, or a new one that is then saved. */
  seed?: string | undefined;
  now: () => number;
  logger: Logger;
}

export interface GroupStatus {
  group_number: number;
  batch_number: number;
  exhausted: boolean;
  rows: number;
  next_batch_at: string | null;
}

/** The batches, the time gate and the saved progress: everything GET /data needs, without HTTP. */
export class DataService {
  private constructor(
    readonly plan: BatchPlan,
    private readonly progress: GroupProgress[],
    private readonly options: DataServiceOptions,
  ) {}

  static async create(options: DataServiceOptions): Promise<DataService> {
    const { dataset, store, logger } = options;
    const loaded = await store.load();
    if (loaded.problem) logger.warn({ problem: loaded.problem }, 'ignoring saved progress; starting fresh');
    let saved = loaded.state;
    if (saved && saved.dataset.fingerprint !== dataset.fingerprint) {
      logger.warn(
        { stateFile: store.description, dataPath: dataset.source },
        'saved progress is for different data; starting every group fresh',
      );
      saved = undefined;
    } else if (saved && options.seed !== undefined && saved.seed !== options.seed) {
      logger.warn({ stateFile: store.description }, 'DATA_SEED differs from the saved seed; starting fresh');
      saved = undefined;
    }
    const seed = options.seed ?? saved?.seed ?? String(randomInt(2 ** 31));
    const progress = Array.from({ length: GROUPS }, (_, i) => fromSaved(saved?.groups[String(i + 1)]));
    const service = new DataService(new BatchPlan(dataset, seed), progress, options);
    try {
      // Saved at once, so a restart serves the same batches even before the first request.
      await service.persist();
    } catch (err) {
      throw new Error(`cannot save progress to ${store.description}: ${(err as Error).message}`);
    }
    logger.info(
      { seed, seedFrom: options.seed !== undefined ? 'DATA_SEED' : saved ? 'state file' : 'new' },
      'batches ready',
    );
    return service;
  }

  get seed(): string {
    return this.plan.seed;
  }

  private get minUpdateMs(): number {
    return this.options.minUpdateTime * 1000;
  }

  /** The body of GET /data for the group, advancing it when its time came. */
  async nextBody(
    group: number,
    gzip = false,
  ): Promise<{ body: Buffer; batchNumber: number; advanced: boolean }> {
    const result = step(this.progress[group - 1]!, this.options.now(), this.minUpdateMs);
    if (result.kind === 'exhausted') {
      throw new GroupExhaustedError(group, BATCHES_PER_GROUP);
    }
    if (result.advanced) {
      this.progress[group - 1] = result.progress;
      await this.persistOrWarn();
    }
    return {
      body: gzip ? this.plan.gzipBody(group, result.batchNumber) : this.plan.body(group, result.batchNumber),
      batchNumber: result.batchNumber,
      advanced: result.advanced,
    };
  }

  async restart(group: number): Promise<void> {
    this.progress[group - 1] = FRESH;
    await this.persistOrWarn();
  }

  status(group: number): GroupStatus {
    const p = this.progress[group - 1]!;
    const [start, end] = this.plan.groupRange(group);
    const at = p.batchNumber === 0 ? null : nextBatchAt(p, this.minUpdateMs);
    return {
      group_number: group,
      batch_number: p.batchNumber,
      exhausted: p.batchNumber >= BATCHES_PER_GROUP && at !== null && this.options.now() >= at,
      rows: end - start,
      next_batch_at: at === null ? null : new Date(at).toISOString(),
    };
  }

  snapshot(): PersistedState {
    const groups: PersistedState['groups'] = {};
    this.progress.forEach((p, i) => {
      groups[String(i + 1)] = {
        batch_number: p.batchNumber,
        last_advance_at: p.lastAdvanceAt === null ? null : new Date(p.lastAdvanceAt).toISOString(),
      };
    });
    const { fingerprint, rows } = this.options.dataset;
    return { version: 1, seed: this.seed, dataset: { fingerprint, rows }, groups };
  }

  private persist(): Promise<void> {
    return this.options.store.save(this.snapshot());
  }

  /** A failed save must not stop serving: progress stays right in memory, only a restart would lose it. */
  private async persistOrWarn(): Promise<void> {
    try {
      await this.persist();
    } catch (err) {
      this.options.logger.error(
        { err, stateFile: this.options.store.description },
        'could not save progress; it will be lost on restart',
      );
    }
  }
}

function fromSaved(saved: PersistedState['groups'][string] | undefined): GroupProgress {
  if (!saved || saved.batch_number === 0 || saved.last_advance_at === null) return FRESH;
  return { batchNumber: saved.batch_number, lastAdvanceAt: Date.parse(saved.last_advance_at) };
}
