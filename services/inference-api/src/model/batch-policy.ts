import { ArrivalRate } from './arrival-rate.ts';

/**
 * How long single-row requests wait for others to share their onnxruntime run (MICRO_BATCH_POLICY):
 * - `adaptive`: the window and the batch it waits for follow the measured arrival rate and run cost
 *   (as Triton's dynamic batcher or BentoML's adaptive batching), up to MICRO_BATCH_WAIT;
 * - `rate`: wait MICRO_BATCH_WAIT while the arrival rate promises twice the rows already queued.
 * Both never wait under light traffic, and run a batch as soon as it is complete.
 */
export const BATCH_POLICIES = ['adaptive', 'rate'] as const;
export type BatchPolicyName = (typeof BATCH_POLICIES)[number];

/** The batching policy of one loaded model. */
export interface BatchPolicy {
  /**
   * Counts a single row queued at `now` (ms, monotonic) behind `queued - 1` others and answers how
   * long (ms) the queued rows may wait for more; 0: run them at the end of this event-loop turn.
   */
  admit(queued: number, now: number): number;
  /** Records one model run: `rows` rows in `ms` (every run teaches the cost, batches included). */
  ran(rows: number, ms: number): void;
  /** Whether its decisions use the model's run cost (so calibrating at load is worth the runs). */
  readonly learnsRunCost: boolean;
}

/**
 * Whether `queued` rows should wait up to `waitMs` for more rather than run at the end of this
 * event-loop turn: only when the arrival rate promises at least as many rows again within the wait.
 * Light traffic therefore never waits, and rows that arrive in bursts (many per turn) run at once.
 */
export function worthWaiting(ratePerMs: number, queued: number, waitMs: number): boolean {
  return waitMs > 0 && ratePerMs * waitMs >= 2 * queued;
}

/** `rate`: a fixed window, taken while the rate brings at least twice the rows already queued. */
export class RateWindowPolicy implements BatchPolicy {
  private readonly arrivals = new ArrivalRate();
  readonly learnsRunCost = false;
  constructor(private readonly waitMs: number) {}

  admit(queued: number, now: number): number {
    // The rate of the rows before this one: a lone row must not count as traffic.
    const rate = this.arrivals.perMs(now);
    this.arrivals.add(1, now);
    return worthWaiting(rate, queued, this.waitMs) ? this.waitMs : 0;
  }

  ran(): void {}
}

/** Smoothing of each size class's run cost: a few dozen runs, so one stall of the machine barely moves it. */
const COST_SMOOTHING = 0.05;

/**
 * A run's cost as `fixedMs + perRowMs × rows`, fitted by least squares over size classes (1, 2–3,
 * 4–7, … rows), each class an exponential moving average of its own runs. Classes keep what they
 * learnt while traffic does not make runs of their size, so a steady rate (every run the same size)
 * does not erase the slope.
 */
export class RunCost {
  private readonly rows: number[] = [];
  private readonly ms: number[] = [];

  add(rows: number, ms: number): void {
    if (!(rows >= 1) || !(ms >= 0)) return;
    const k = Math.floor(Math.log2(rows));
    if (this.rows[k] === undefined) {
      this.rows[k] = rows;
      this.ms[k] = ms;
    } else {
      this.rows[k] = this.rows[k]! + COST_SMOOTHING * (rows - this.rows[k]!);
      this.ms[k] = this.ms[k]! + COST_SMOOTHING * (ms - this.ms[k]!);
    }
  }

  /** The fitted line, or undefined until runs of two size classes were seen. */
  estimate(): { fixedMs: number; perRowMs: number } | undefined {
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let k = 0; k < this.rows.length; k++) {
      const x = this.rows[k];
      const y = this.ms[k];
      if (x === undefined || y === undefined) continue;
      n++;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const variance = n * sxx - sx * sx;
    if (n < 2 || variance <= 0) return undefined;
    const slope = (n * sxy - sx * sy) / variance;
    const meanX = sx / n;
    const meanY = sy / n;
    // A noisy fit can tilt either way; a run never costs less than nothing, per run or per row.
    if (slope <= 0) return { fixedMs: meanY, perRowMs: 0 };
    const fixed = meanY - slope * meanX;
    return fixed < 0 ? { fixedMs: 0, perRowMs: meanY / meanX } : { fixedMs: fixed, perRowMs: slope };
  }
}

/** Below this share of one core spent on rows run alone, no row waits: latency comes first. */
export const LIGHT_LOAD = 0.25;
/** The batch waited for makes the run's fixed cost at most 1/TARGET_FIXED_SHARE of a row's own cost. */
export const TARGET_FIXED_SHARE = 4;

/**
 * `adaptive`: waits for the batch that makes the run's fixed cost small beside its rows' own
 * (TARGET_FIXED_SHARE × fixed ÷ per-row cost rows), for as long as the measured arrival rate needs to
 * bring it, at most `maxWaitMs`; and only when rows run alone would keep a core busy LIGHT_LOAD of
 * the time or more, and the rate brings another row within `maxWaitMs`. A batch that is complete runs
 * at the end of its turn. At 3,000 evenly spaced
 * rows/s with a 2,100-tree model (~150 µs fixed, ~50 µs a row) rows alone would take 60 % of the
 * core; it waits ≤ 1 ms for batches of 3–4, and a row costs ~90 µs instead of ~200.
 */
export class AdaptivePolicy implements BatchPolicy {
  private readonly arrivals = new ArrivalRate();
  readonly cost = new RunCost();
  readonly learnsRunCost = true;
  constructor(
    private readonly maxWaitMs: number,
    private readonly maxBatch: number,
  ) {}

  admit(queued: number, now: number): number {
    const rate = this.arrivals.perMs(now);
    this.arrivals.add(1, now);
    return this.windowMs(rate, queued);
  }

  /** The wait for `queued` rows at `rate` rows/ms (exported for the bench's and the tests' reading). */
  windowMs(rate: number, queued: number): number {
    const cost = this.cost.estimate();
    if (this.maxWaitMs <= 0 || cost === undefined || rate <= 0) return 0;
    // No other row expected within the longest wait: waiting would only add latency (a slow model
    // at a few hundred requests/s, or one client sending one request at a time).
    if (rate * this.maxWaitMs < 1) return 0;
    if (rate * (cost.fixedMs + cost.perRowMs) < LIGHT_LOAD) return 0;
    const target = this.targetRows();
    if (queued >= target) return 0;
    return Math.min(this.maxWaitMs, (target - queued) / rate);
  }

  /** The batch size waited for: 1 (no wait) until the cost is known. */
  targetRows(): number {
    const cost = this.cost.estimate();
    if (cost === undefined) return 1;
    // Less a rounding error, so that an exact ratio is not taken one row over.
    const wanted = Math.ceil((TARGET_FIXED_SHARE * cost.fixedMs) / Math.max(cost.perRowMs, 1e-6) - 1e-9);
    return Math.max(1, Math.min(this.maxBatch, wanted));
  }

  ran(rows: number, ms: number): void {
    this.cost.add(rows, ms);
  }
}

export function batchPolicy(name: BatchPolicyName, maxWaitMs: number, maxBatch: number): BatchPolicy {
  return name === 'adaptive' ? new AdaptivePolicy(maxWaitMs, maxBatch) : new RateWindowPolicy(maxWaitMs);
}
