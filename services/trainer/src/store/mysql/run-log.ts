import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { RunLog, RunRecord, RunStatus, TaskRecord } from '../types.ts';
import { TABLES } from './sql.ts';

export class MysqlRunLog implements RunLog {
  constructor(private readonly pool: Pool) {}

  async abandonStale(now: Date): Promise<number> {
    const reason = 'the trainer stopped before the run finished';
    const [result] = await this.pool.query<ResultSetHeader>(
      `UPDATE \`${TABLES.runs}\` SET status = 'abandoned', ended_at = ?, error = ? WHERE status = 'running'`,
      [now, reason],
    );
    await this.pool.query(
      `UPDATE \`${TABLES.tasks}\` SET status = 'abandoned', ended_at = ?, error = ? WHERE status = 'running'`,
      [now, reason],
    );
    return result.affectedRows;
  }

  async start(run: { runId: string; dag: string; trigger: string; startedAt: Date }): Promise<void> {
    await this.pool.query(
      `INSERT INTO \`${TABLES.runs}\` (run_id, dag, trigger_kind, status, started_at) VALUES (?, ?, ?, 'running', ?)`,
      [run.runId, run.dag, run.trigger, run.startedAt],
    );
  }

  async finish(runId: string, status: RunStatus, endedAt: Date, error: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE \`${TABLES.runs}\` SET status = ?, ended_at = ?, error = ? WHERE run_id = ?`,
      [status, endedAt, error, runId],
    );
  }

  async taskStarted(runId: string, task: string, attempt: number, startedAt: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO \`${TABLES.tasks}\` (run_id, task, attempt, status, started_at) VALUES (?, ?, ?, 'running', ?)
       ON DUPLICATE KEY UPDATE status = 'running', started_at = VALUES(started_at), ended_at = NULL, error = NULL`,
      [runId, task, attempt, startedAt],
    );
  }

  async taskFinished(
    runId: string,
    task: string,
    attempt: number,
    status: string,
    endedAt: Date,
    error: string | null,
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO \`${TABLES.tasks}\` (run_id, task, attempt, status, ended_at, error) VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE status = VALUES(status), ended_at = VALUES(ended_at), error = VALUES(error)`,
      [runId, task, attempt, status, endedAt, error],
    );
  }

  async list(limit: number): Promise<RunRecord[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT * FROM \`${TABLES.runs}\` ORDER BY started_at DESC LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({
      runId: r.run_id,
      dag: r.dag,
      trigger: r.trigger_kind,
      status: r.status,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      error: r.error,
    }));
  }

  async tasks(runId: string): Promise<TaskRecord[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT * FROM \`${TABLES.tasks}\` WHERE run_id = ? ORDER BY started_at, task, attempt`,
      [runId],
    );
    return rows.map((r) => ({
      runId: r.run_id,
      task: r.task,
      attempt: r.attempt,
      status: r.status,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      error: r.error,
    }));
  }
}
