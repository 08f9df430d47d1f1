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

/** The raw table: every batch the data API served, kept as it arrived (history, never truncated). */
export interface RawStore {
  /**
   * Stores one batch; rows already stored under the same (group, batch, row) are left as they are.
   * Returns how many rows were new.
   */
  insertBatch(group: number, batch: number, rows: readonly unknown[][]): Promise<number>;
  /** Batch numbers already stored for a group. */
  batches(group: number): Promise<number[]>;
  /** Raw rows of the given groups, ordered by (group, batch, row). */
  read(groups: readonly number[]): Promise<RawRow[]>;
  count(groups: readonly number[]): Promise<number>;
}

/** The derived tables: train, test and rejects, rebuilt from the raw rows on every run. */
export interface SplitStore {
  /** Replaces train, test and rejects together: readers see the old set or the new one, never a mix. */
  replace(tables: PreparedTables): Promise<void>;
  read(split: Split): Promise<KeyedRow[]>;
  count(): Promise<PreparedCounts>;
}

/** One pipeline run at a time across trainers. */
export interface RunLock {
  /** Takes the lock without waiting; null when another trainer holds it. */
  tryLock(name: string): Promise<PipelineLock | null>;
}

/** The record of pipeline runs and of every task attempt (the DAG runner reports into it). */
export interface RunLog extends TaskRecorder {
  /** Marks runs left `running` by a killed trainer as abandoned (call while holding the lock). */
  abandonStale(now: Date): Promise<number>;
  start(run: { runId: string; dag: string; trigger: string; startedAt: Date }): Promise<void>;
  finish(runId: string, status: RunStatus, endedAt: Date, error: string | null): Promise<void>;
  list(limit: number): Promise<RunRecord[]>;
  tasks(runId: string): Promise<TaskRecord[]>;
}

/**
 * Everything the pipeline keeps between tasks and between runs, one store per role. The MySQL and the
 * local file implementations keep the same contract, so the tasks above them are the same code either way.
 */
export interface TableStore {
  readonly kind: 'mysql' | 'file';
  /** Where the tables live, for logs (never includes a password). */
  readonly location: string;
  /** Connects and creates the database (or folder) when missing; call before lock.tryLock. */
  open(): Promise<void>;
  /** Applies the schema migrations not applied yet and removes half-written staging data a killed run left. */
  migrate(): Promise<void>;
  readonly raw: RawStore;
  readonly splits: SplitStore;
  readonly lock: RunLock;
  readonly runs: RunLog;
  close(): Promise<void>;
}
