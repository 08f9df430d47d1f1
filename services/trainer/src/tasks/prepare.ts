import { createHash } from 'node:crypto';
import { checkRecord } from '@covertype/schema';
import { stratifiedSplit } from '@covertype/tree-ensemble';
import { NonRetryableError } from '../dag/run.ts';
import type { KeyedRow, RawStore, RejectRow, SplitStore } from '../store/types.ts';

export interface PrepareOptions {
  raw: RawStore;
  splits: SplitStore;
  groups: readonly number[];
  testFraction: number;
  seed: number;
}

export interface PrepareResult {
  rawRows: number;
  train: number;
  test: number;
  rejects: number;
  rejectsByField: Record<string, number>;
  duplicates: number;
  /** Identifies the test table's content: the promotion gate compares models on the same one. */
  testFingerprint: string;
}

/** A short hash of the test rows' keys and labels. */
export function fingerprint(rows: readonly KeyedRow[]): string {
  const hash = createHash('sha256');
  for (const r of rows) hash.update(`${r.group}/${r.batch}/${r.row}:${r.Cover_Type};`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Validates every raw row with the covertype schema: failures go to the rejects table with the field
 * and the reason; exact duplicates of an earlier valid row are dropped so one row cannot land in
 * both train and test; the rest is split train/test, stratified by Cover_Type with a fixed seed.
 */
export async function prepare(options: PrepareOptions): Promise<PrepareResult> {
  const raw = await options.raw.read(options.groups);
  if (raw.length === 0) {
    throw new NonRetryableError(`no raw rows stored for group(s) ${options.groups.join(', ')}; ingest first`);
  }
  const valid: KeyedRow[] = [];
  const rejects: RejectRow[] = [];
  const rejectsByField: Record<string, number> = {};
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of raw) {
    const check = checkRecord(r.values);
    if (!check.ok) {
      rejects.push({
        group: r.group,
        batch: r.batch,
        row: r.row,
        field: check.field,
        reason: check.reason,
        values: r.values,
      });
      rejectsByField[check.field] = (rejectsByField[check.field] ?? 0) + 1;
      continue;
    }
    const key = JSON.stringify(Object.values(check.row));
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    valid.push({ group: r.group, batch: r.batch, row: r.row, ...check.row });
  }
  if (valid.length < 10) {
    throw new NonRetryableError(
      `only ${valid.length} valid row(s) out of ${raw.length}; need at least 10 to split train/test`,
    );
  }
  // Same stratified split as the learner's own (seeded, class proportions kept in both parts).
  const split = stratifiedSplit(
    valid.map((r) => r.Cover_Type),
    options.testFraction,
    options.seed,
  );
  const train = Array.from(split.train, (i) => valid[i]!);
  const test = Array.from(split.test, (i) => valid[i]!);
  await options.splits.replace({ train, test, rejects });
  return {
    rawRows: raw.length,
    train: train.length,
    test: test.length,
    rejects: rejects.length,
    rejectsByField,
    duplicates,
    testFingerprint: fingerprint(test),
  };
}
