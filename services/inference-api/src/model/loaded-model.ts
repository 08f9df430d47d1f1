import { type ModelInputRow, toModelColumns } from '@covertype/schema';
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

/**
 * A model ready to serve. Single-row requests that arrive in the same event-loop turn are coalesced
 * into one onnxruntime run (micro-batching): one native call per turn instead of one per request,
 * which is where most of the per-request cost of a small tree model goes.
 *
 * Rows wait for the end of the turn even when many are queued: under overload they are what the
 * in-flight limit counts. Running every 32 at once kept that count below MAX_INFLIGHT, so nothing
 * was shed, the backlog moved into the kernel's socket buffers and one request waited 4.8 s.
 */
export class LoadedModel {
  readonly loadedAt = new Date();
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    readonly resolved: ResolvedModel,
    readonly fetched: FetchedModel,
    readonly session: ModelSession,
    private readonly maxBatch: number,
    private readonly observe: InferenceObserver = () => {},
  ) {}

  get name(): string {
    return this.resolved.name;
  }

  get version(): string | undefined {
    return this.resolved.version;
  }

  /** Predicts several rows in one run. */
  async predict(rows: readonly ModelInputRow[]): Promise<Prediction> {
    const start = process.hrtime.bigint();
    const prediction = await this.session.run(toModelColumns(rows));
    this.observe(Number(process.hrtime.bigint() - start) / 1e9, rows.length, this);
    return prediction;
  }

  /** Predicts one row, sharing a run with the other rows queued in this turn. */
  predictOne(row: ModelInputRow): Promise<RowResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    const batch = this.pending.length <= this.maxBatch ? this.pending : this.pending.slice(0, this.maxBatch);
    this.pending = batch === this.pending ? [] : this.pending.slice(this.maxBatch);
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
    await this.session.release();
  }
}
