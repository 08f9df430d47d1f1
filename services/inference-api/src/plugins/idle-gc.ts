import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fp from 'fastify-plugin';

/** V8's `gc`: a full collection by default, a young-generation one with `{ type: 'minor' }`. */
export type GcFunction = (options?: { type?: 'major' | 'minor' }) => void;

/**
 * V8's collector without starting node with --expose-gc (the `expose-gc` package's method:
 * set the flag, then read `gc` from a fresh context, which sees it).
 */
export function exposeGc(): GcFunction {
  const existing = (globalThis as { gc?: GcFunction }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as GcFunction;
}

function minorGc(): () => void {
  const gc = exposeGc();
  return () => gc({ type: 'minor' });
}

function newSpaceBytes(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_size;
  return 0;
}

export interface IdleCollectorOptions {
  /** A count of requests that only grows; no change between two checks means idle. */
  activity: () => number;
  /** Collect once no request has arrived for this long. */
  idleMs: number;
  /** How often activity is checked (default 1 s). */
  checkMs?: number;
  /** Collect only while the young generation is larger than this (default 16 MiB; idle it is 1–8 MiB). */
  youngLimitBytes?: number;
  /** Committed bytes of V8's young generation (default: the new space's size). */
  youngBytes?: () => number;
  /** Default: V8's young-generation collection (see startIdleCollector for why not a full one). */
  collect?: () => void;
  /** Wait between two tries while the young generation has not shrunk (default 6 s; see ATTEMPTS). */
  retryMs?: number;
  onCollect?: (info: { youngBefore: number; youngAfter: number; ms: number }) => void;
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
 * would stay taken. Once requests stop for `idleMs`, this runs a young-generation collection while
 * it is above its limit, trying again `retryMs` later (at most 3 times) until it has shrunk. A busy
 * server never pauses for it, and one whose young generation did not grow (light traffic) does
 * not collect at all. Old-generation memory V8 returns by itself.
 *
 * A young-generation collection, not a full one: it shrinks the young generation just as well
 * (32 → 1 MiB, the same RSS afterwards) and pauses the server for 6 ms instead of 26 ms, should a
 * request arrive just then (bench model, one core). It also leaves the old generation and the
 * compiled code, which a full collection ages, to V8's own heuristics.
 */
export function startIdleCollector(options: IdleCollectorOptions): { stop: () => void } {
  const checkMs = options.checkMs ?? 1000;
  const limit = options.youngLimitBytes ?? 16 * 2 ** 20;
  const youngBytes = options.youngBytes ?? newSpaceBytes;
  const collect = options.collect ?? minorGc();
  const idleChecks = Math.max(1, Math.ceil(options.idleMs / checkMs));
  const retryChecks = Math.max(1, Math.ceil((options.retryMs ?? 6000) / checkMs));
  let seen = options.activity();
  let quietChecks = 0;
  let attempts = 0;
  let nextTry = idleChecks;

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
    const youngBefore = youngBytes();
    // Nothing grown to give back (or given back already): done until the next burst.
    if (youngBefore <= limit) {
      attempts = ATTEMPTS;
      return;
    }
    const started = performance.now();
    collect();
    attempts++;
    nextTry = quietChecks + retryChecks;
    options.onCollect?.({ youngBefore, youngAfter: youngBytes(), ms: performance.now() - started });
  }, checkMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Runs the idle collector while the app is open (see startIdleCollector). */
export const idleGcPlugin = fp<{ idleMs: number; activity: () => number }>(
  async (app, { idleMs, activity }) => {
    const collector = startIdleCollector({
      activity,
      idleMs,
      onCollect: ({ youngBefore, youngAfter, ms }) =>
        app.log.debug(
          { youngBeforeMb: youngBefore / 2 ** 20, youngAfterMb: youngAfter / 2 ** 20, ms },
          'idle: garbage collected',
        ),
    });
    app.addHook('onClose', async () => collector.stop());
  },
  { name: 'idle-gc' },
);
