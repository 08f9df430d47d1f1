import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's full collector without starting node with --expose-gc (the `expose-gc` package's method:
 * set the flag, then read `gc` from a fresh context, which sees it).
 */
export function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface IdleCollectorOptions {
  /** A count of requests that only grows; no change between two checks means idle. */
  activity: () => number;
  /** Collect once no request has arrived for this long. */
  idleMs: number;
  /** How often activity is checked (default 1 s). */
  checkMs?: number;
  /** Collect only when the heap has grown by this much since the last collection (default 8 MiB). */
  growthBytes?: number;
  /** Committed heap bytes (default process.memoryUsage().heapTotal). */
  heapBytes?: () => number;
  collect?: () => void;
  /** Wait between two tries while the heap has not shrunk (default 6 s; see ATTEMPTS). */
  retryMs?: number;
  onCollect?: (info: { heapBefore: number; heapAfter: number; ms: number }) => void;
}

/**
 * Tries per idle period. V8 gives its young generation back on a collection only when allocation
 * since the collections of the last 5 s was low but not zero, so the first try right after a
 * spike may only set the stage for the next one, 6 s later.
 */
const ATTEMPTS = 3;

/**
 * After a load spike V8 keeps the young generation it grew (tens of MB) until its next
 * collection, and an idle server allocates too little to trigger one: memory taken under load
 * would stay taken. Once requests stop for `idleMs`, this runs a full collection, and tries
 * again `retryMs` later until the heap shrinks. A busy server never pauses for it, and a server
 * whose heap did not grow does not collect at all.
 */
export function startIdleCollector(options: IdleCollectorOptions): { stop: () => void } {
  const checkMs = options.checkMs ?? 1000;
  const growth = options.growthBytes ?? 8 * 2 ** 20;
  const heapBytes = options.heapBytes ?? (() => process.memoryUsage().heapTotal);
  const collect = options.collect ?? exposeGc();
  const idleChecks = Math.max(1, Math.ceil(options.idleMs / checkMs));
  const retryChecks = Math.max(1, Math.ceil((options.retryMs ?? 6000) / checkMs));
  let seen = options.activity();
  let quietChecks = 0;
  let attempts = 0;
  let nextTry = idleChecks;
  let baseline = heapBytes();

  const timer = setInterval(() => {
    const now = options.activity();
    if (now !== seen) {
      seen = now;
      quietChecks = 0;
      attempts = 0;
      nextTry = idleChecks;
      return;
    }
    quietChecks++;
    if (quietChecks < nextTry || attempts >= ATTEMPTS) return;
    const heapBefore = heapBytes();
    if (heapBefore < baseline + growth) return;
    const started = performance.now();
    collect();
    const heapAfter = heapBytes();
    attempts++;
    nextTry = quietChecks + retryChecks;
    options.onCollect?.({ heapBefore, heapAfter, ms: performance.now() - started });
    // Shrunk, or what is left is live: either way this is the new normal.
    if (heapAfter < heapBefore - growth / 2 || attempts >= ATTEMPTS) {
      baseline = heapAfter;
      attempts = ATTEMPTS;
    }
  }, checkMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
