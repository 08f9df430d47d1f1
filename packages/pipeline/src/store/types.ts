import type { CovertypeRow } from '@covertype/schema';
import type { TaskRecorder } from '../dag/run.ts';

/** A row as the data API sent it: 13 values in CSV column order, unchecked. */
export interface RawRow {
  group: number;
  batch: number;
  row: number;
  values: unknown[];
}

export interface RejectRow {
  group: number;
  batch: number;
  row: number;
  field: string;
  reason: string;
  values: unknown[];
}

/** A validated row with the key of the raw row it came from. */
export interface KeyedRow extends CovertypeRow {
  group: number;
  batch: number;
  row: number;
}

export type Split = 'train' | 'test';

export interface PreparedTables {
  train: KeyedRow[];
  test: KeyedRow[];
  rejects: RejectRow[];
}

export interface PreparedCounts {
  train: number;
  test: number;
  rejects: number;
}

export type RunStatus = 'running' | 'success' | 'failed' | 'abandoned';

export interface RunRecord {
  runId: string;
  dag: string;
  trigger: string;
  status: RunStatus;
  startedAt: Date;
  endedAt: Date | null;
  error: string | null;
}

export interface TaskRecord {
  runId: string;
  task: string;
  attempt: number;
  status: string;
  startedAt: Date | null;
  endedAt: Date | null;
  error: string | null;
}

/** Held while a run is in progress; release() is safe to call twice. */
export interface PipelineLock {
  release(): Promise<void>;
}

/**
 * Everything the pipeline keeps between tasks and between runs. The MySQL store and the local
 * file store implement the same contract, so the tasks above it are the same code either way.
 */
export interface TableStore extends TaskRecorder {
  readonly kind: 'mysql' | 'file';
  /** Where the tables live, for logs (never includes a password). */
  readonly location: string;
  /** Connects and creates the database (or folder) when missing; call before tryLock. */
  open(): Promise<void>;
  /** Creates the tables when missing and removes half-written staging data a killed run left. */
  ensureSchema(): Promise<void>;
  /**
   * Stores one batch; rows already stored under the same (group, batch, row) are left as they are.
   * Returns how many rows were new.
   */
  insertRawBatch(group: number, batch: number, rows: readonly unknown[][]): Promise<number>;
  /** Batch numbers already stored for a group. */
  rawBatches(group: number): Promise<number[]>;
  /** Raw rows of the given groups, ordered by (group, batch, row). */
  readRaw(groups: readonly number[]): Promise<RawRow[]>;
  countRaw(groups: readonly number[]): Promise<number>;
  /** Replaces train, test and rejects together: readers see the old set or the new one, never a mix. */
  replacePrepared(tables: PreparedTables): Promise<void>;
  readSplit(split: Split): Promise<KeyedRow[]>;
  countPrepared(): Promise<PreparedCounts>;

  /** Takes the pipeline lock without waiting; null when another trainer holds it. */
  tryLock(name: string): Promise<PipelineLock | null>;
  /** Marks runs left `running` by a killed trainer as abandoned (call while holding the lock). */
  abandonStaleRuns(now: Date): Promise<number>;
  startRun(run: { runId: string; dag: string; trigger: string; startedAt: Date }): Promise<void>;
  finishRun(runId: string, status: RunStatus, endedAt: Date, error: string | null): Promise<void>;
  listRuns(limit: number): Promise<RunRecord[]>;
  listTasks(runId: string): Promise<TaskRecord[]>;
  close(): Promise<void>;
}
