import { BATCHES_PER_GROUP } from '../batches/batch-plan.ts';

/** Where a group stands: batch 0 means nothing served since start or the last restart. */
export interface GroupProgress {
  batchNumber: number;
  /** Epoch milliseconds of the last advance; null before the first batch. */
  lastAdvanceAt: number | null;
}

export type Step =
  | { kind: 'serve'; batchNumber: number; advanced: boolean; progress: GroupProgress }
  | { kind: 'exhausted'; progress: GroupProgress };

export const FRESH: GroupProgress = { batchNumber: 0, lastAdvanceAt: null };

/**
 * The workshop's time gate: the first call serves batch 1; a later call moves to the next batch only
 * when minUpdateMs passed since the last move, otherwise it serves the same batch again; after the last
 * batch, once the time passed again, the group is exhausted until it is restarted.
 */
export function step(progress: GroupProgress, now: number, minUpdateMs: number): Step {
  if (progress.batchNumber === 0 || progress.lastAdvanceAt === null) {
    return {
      kind: 'serve',
      batchNumber: 1,
      advanced: true,
      progress: { batchNumber: 1, lastAdvanceAt: now },
    };
  }
  if (now - progress.lastAdvanceAt < minUpdateMs) {
    return { kind: 'serve', batchNumber: progress.batchNumber, advanced: false, progress };
  }
  if (progress.batchNumber >= BATCHES_PER_GROUP) return { kind: 'exhausted', progress };
  const batchNumber = progress.batchNumber + 1;
  return { kind: 'serve', batchNumber, advanced: true, progress: { batchNumber, lastAdvanceAt: now } };
}

/** When the next batch may be served (epoch ms), or null when the next call starts the group. */
export function nextBatchAt(progress: GroupProgress, minUpdateMs: number): number | null {
  return progress.lastAdvanceAt === null ? null : progress.lastAdvanceAt + minUpdateMs;
}
