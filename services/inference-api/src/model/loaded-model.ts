import { type ModelInputRow, toModelColumns } from '@covertype/schema';
import { type BatchPolicy, type BatchPolicyName, batchPolicy } from './batch-policy.ts';
import type { ModelSession, Prediction } from './model-session.ts';
import type { FetchedModel, ResolvedModel } from './model-source.ts';

export interface RowResult {
  prediction: Prediction;
  /** Row index inside prediction. */
  index: number;
}

/** Called after every model run, for metrics. */
export type InferenceObserver = (seconds: number, rows: number, model: LoadedModel) => void;

interface Pending {
  row: ModelInputRow;
  resolve: (result: RowResult) => void;
  reject: (err: unknown) => void;
}

/** MicroBatching.waitMs unless configured (MICRO_BATCH_WAIT). */
export const DEFAULT_BATCH_WAIT_MS = 1;
/** MicroBatching.policy unless configured (MICRO_BATCH_POLICY). */
// `rate` by measurement: at 64 connections on the 2,100-tree model it served 1.19× `adaptive`'s requests at
// 16 against 25 ms p99; at fixed arrival rates the two were within this VM's noise, `adaptive` using less CPU.
export const DEFAULT_BATCH_POLICY: BatchPolicyName = 'rate';

/** How single-row requests share onnxruntime runs. */
export interface MicroBatching {
  /** Most rows in one run. */
  maxBatch: number;
  /**
   * Longest a row may wait (ms) for rows from later turns when traffic is heavy enough to bring
   * them; 0: rows only share a run with those read in the same turn.
   */
  waitMs: number;
  /** How the wait is chosen (see batch-policy.ts); DEFAULT_BATCH_POLICY when left out. */
  policy?: BatchPolicyName;
}

/**
 * A model ready to serve. Single-row requests that arrive in the same event-loop turn are coalesced
 * into one onnxruntime run (micro-batching): one native call per turn instead of one per request,
 * which is where most of the per-request cost of a small tree model goes.
 *
 * Clients that send at a steady rate (k6's arrival-rate executors) deliver about one request per
 * turn, so under heavy traffic a row also waits up to `waitMs` for the rows the arrival rate
 * promises, as its batching policy decides (batch-policy.ts). Light traffic never waits; bursts that
 * fill a run in one turn run at its end.
 *
 * Rows wait at least for the end of the turn even when many are queued: under overload they are
 * what the in-flight limit counts. Running every 32 at once kept that count below MAX_INFLIGHT, so
 * nothing was shed, the backlog moved into the kernel's socket buffers and one request waited 4.8 s.
 */
export class LoadedModel {
  readonly loadedAt = new Date();
  /**
   * Set while this version serves from the local cache without the registry having confirmed it:
   * when it was cached (ISO time). Cleared once the registry resolves the URI to the same version.
   */
  cachedAt: string | undefined;
  private pending: Pending[] = [];
  private scheduled = false;
  /** Set while queued rows wait for more (see MicroBatching.waitMs). */
  private timer: NodeJS.Timeout | undefined;
  private readonly policy: BatchPolicy;

  constructor(
    readonly resolved: ResolvedModel,
    readonly fetched: FetchedModel,
    readonly session: ModelSession,
    private readonly batching: MicroBatching,
    private readonly observe: InferenceObserver = () => {},
  ) {
    this.policy = batchPolicy(batching.policy ?? DEFAULT_BATCH_POLICY, batching.waitMs, batching.maxBatch);
  }

  get name(): string {
    return this.resolved.name;
  }

  get version(): string | undefined {
    return this.resolved.version;
  }

  /** Predicts several rows in one run. */
  async predict(rows: readonly ModelInputRow[]): Promise<Prediction> {
    const { prediction, seconds } = await this.run(rows);
    this.observe(seconds, rows.length, this);
    return prediction;
  }

  /** One model run, its cost told to the batching policy. */
  private async run(rows: readonly ModelInputRow[]): Promise<{ prediction: Prediction; seconds: number }> {
    const start = process.hrtime.bigint();
    const prediction = await this.session.run(toModelColumns(rows));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    this.policy.ran(rows.length, seconds * 1000);
    return { prediction, seconds };
  }

  /**
   * Teaches the batching policy this model's run cost before traffic does: runs of 1 and 32 rows
   * (`rows` repeated), a few of each, left out of the inference metrics. Called once the model is
   * loaded, before it serves; a policy that does not use the run cost skips it (no start-up runs).
   */
  async calibrate(rows: readonly ModelInputRow[]): Promise<void> {
    if (rows.length === 0 || !this.policy.learnsRunCost) return;
    const batch = Array.from({ length: 32 }, (_, i) => rows[i % rows.length]!);
    for (let i = 0; i < 5; i++) {
      await this.run(batch.slice(0, 1));
      await this.run(batch);
    }
  }

  /** Predicts one row, sharing a run with the other rows queued in this turn (or, when busy, the next ones). */
  predictOne(row: ModelInputRow): Promise<RowResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      const queued = this.pending.length;
      const waitMs = this.policy.admit(queued, performance.now());
      const wait = queued < this.batching.maxBatch && waitMs > 0;
      if (!this.scheduled) {
        this.scheduled = true;
        if (wait) this.timer = setTimeout(this.flush, waitMs);
        else setImmediate(this.flush);
      } else if (this.timer !== undefined && !wait) {
        // Enough rows came while waiting: run them at the end of this turn.
        clearTimeout(this.timer);
        this.timer = undefined;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.timer = undefined;
    const { maxBatch } = this.batching;
    const batch = this.pending.length <= maxBatch ? this.pending : this.pending.slice(0, maxBatch);
    this.pending = batch === this.pending ? [] : this.pending.slice(maxBatch);
    if (this.pending.length > 0) setImmediate(this.flush);
    else this.scheduled = false;
    const rows = batch.map((p) => p.row);
    this.predict(rows).then(
      (prediction) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve({ prediction, index: i });
      },
      (err) => {
        for (const p of batch) p.reject(err);
      },
    );
  };

  async release(): Promise<void> {
    // Rows still waiting for company run now, before their session goes.
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.flush();
    }
    await this.session.release();
  }
}
