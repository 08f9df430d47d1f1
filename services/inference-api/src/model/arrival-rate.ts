/** Length of one counting span: long enough to smooth a burst, short enough to follow a change. */
const SPAN_MS = 10;

/**
 * Rows per millisecond reaching a model through `/predict`, counted over spans of SPAN_MS. The
 * estimate is the larger of the last complete span's rate and the current span's so far, the latter
 * taken over at least a whole span so that a handful of rows never looks like a flood. After a quiet
 * spell the next row closes a span averaged over the whole spell, so the rate falls back at once.
 */
export class ArrivalRate {
  #spanStart = Number.NEGATIVE_INFINITY;
  #spanRows = 0;
  #lastRate = 0;

  /** Counts `rows` arriving at `now` (ms, monotonic). */
  add(rows: number, now: number): void {
    const elapsed = now - this.#spanStart;
    if (elapsed >= SPAN_MS) {
      this.#lastRate = Number.isFinite(elapsed) ? this.#spanRows / elapsed : 0;
      this.#spanStart = now;
      this.#spanRows = 0;
    }
    this.#spanRows += rows;
  }

  /** Estimated rows per ms at `now`. */
  perMs(now: number): number {
    const elapsed = now - this.#spanStart;
    if (!Number.isFinite(elapsed)) return 0;
    const current = this.#spanRows / Math.max(elapsed, SPAN_MS);
    return elapsed < SPAN_MS ? Math.max(this.#lastRate, current) : current;
  }
}
