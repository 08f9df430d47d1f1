import { type CovertypeRow, CSV_COLUMNS } from '@covertype/schema';
import mysql, { type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import {
  CLEAN_COLUMNS,
  CLEAN_COLUMNS_SQL,
  cleanTable,
  PREPARED_TABLES,
  RAW_COLUMNS_SQL,
  REJECT_COLUMNS_SQL,
  rawText,
  rejectsTable,
  SCHEMA,
  TABLES,
} from './sql.ts';
import type {
  KeyedRow,
  PipelineLock,
  PreparedCounts,
  PreparedTables,
  RawRow,
  RunRecord,
  RunStatus,
  Split,
  TableStore,
  TaskRecord,
} from './types.ts';

/** Rows per INSERT statement: well under max_allowed_packet, few round trips. */
const INSERT_CHUNK = 1000;

export class MysqlConfigError extends Error {
  override name = 'MysqlConfigError';
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function databaseName(url: URL): string {
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$-]+$/.test(name)) {
    throw new MysqlConfigError(
      `DATABASE_URL ${redactUrl(url.toString())} names no usable database; expected mysql://user:password@host:3306/database`,
    );
  }
  return name;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toKeyedRow(r: RowDataPacket): KeyedRow {
  const row: Record<string, unknown> = {
    group: r.group_number,
    batch: r.batch_number,
    row: r.row_index,
  };
  for (const c of CLEAN_COLUMNS) row[c] = r[c];
  return row as unknown as KeyedRow;
}

export class MysqlTableStore implements TableStore {
  readonly kind = 'mysql' as const;
  readonly location: string;
  private readonly pool: Pool;
  private readonly database: string;

  constructor(private readonly url: string) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new MysqlConfigError(
        `DATABASE_URL is not a URL; expected mysql://user:password@host:3306/database`,
      );
    }
    if (parsed.protocol !== 'mysql:') {
      throw new MysqlConfigError(`DATABASE_URL has scheme ${parsed.protocol}; expected mysql://`);
    }
    this.database = databaseName(parsed);
    this.location = redactUrl(url);
    this.pool = mysql.createPool({
      uri: url,
      connectionLimit: 4,
      timezone: 'Z',
      dateStrings: false,
      decimalNumbers: true,
      connectTimeout: 5000,
    });
  }

  async open(): Promise<void> {
    // Create the database itself when the server allows it, so a fresh MySQL needs no manual step.
    const u = new URL(this.url);
    u.pathname = '/';
    const admin = await mysql.createConnection({ uri: u.toString(), connectTimeout: 5000 });
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${this.database}\` DEFAULT CHARSET utf8mb4`);
    } finally {
      await admin.end();
    }
  }

  async ensureSchema(): Promise<void> {
    for (const ddl of SCHEMA) await this.pool.query(ddl);
    // Staging tables of a run killed during replacePrepared: never visible, safe to drop.
    const staging = PREPARED_TABLES.flatMap((t) => [`${t}_next`, `${t}_old`]);
    await this.pool.query(`DROP TABLE IF EXISTS ${staging.map((t) => `\`${t}\``).join(', ')}`);
  }

  async insertRawBatch(group: number, batch: number, rows: readonly unknown[][]): Promise<number> {
    if (rows.length === 0) return 0;
    const conn = await this.pool.getConnection();
    try {
      await conn.beginTransaction();
      let inserted = 0;
      for (const [c, part] of chunks(rows, INSERT_CHUNK).entries()) {
        const values = part.map((values, i) => [
          group,
          batch,
          c * INSERT_CHUNK + i,
          ...CSV_COLUMNS.map((_, k) => rawText(values[k])),
        ]);
        const [result] = await conn.query<mysql.ResultSetHeader>(
          `INSERT IGNORE INTO \`${TABLES.raw}\` (${RAW_COLUMNS_SQL}) VALUES ?`,
          [values],
        );
        inserted += result.affectedRows;
      }
      await conn.commit();
      return inserted;
    } catch (err) {
      await conn.rollback().catch(() => {});
      throw err;
    } finally {
      conn.release();
    }
  }

  async rawBatches(group: number): Promise<number[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT DISTINCT batch_number FROM \`${TABLES.raw}\` WHERE group_number = ? ORDER BY batch_number`,
      [group],
    );
    return rows.map((r) => r.batch_number as number);
  }

  async readRaw(groups: readonly number[]): Promise<RawRow[]> {
    if (groups.length === 0) return [];
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT ${RAW_COLUMNS_SQL} FROM \`${TABLES.raw}\` WHERE group_number IN (?)
       ORDER BY group_number, batch_number, row_index`,
      [groups],
    );
    return rows.map((r) => ({
      group: r.group_number,
      batch: r.batch_number,
      row: r.row_index,
      values: CSV_COLUMNS.map((c) => r[c] as string | null),
    }));
  }

  async countRaw(groups: readonly number[]): Promise<number> {
    if (groups.length === 0) return 0;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM \`${TABLES.raw}\` WHERE group_number IN (?)`,
      [groups],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async replacePrepared(tables: PreparedTables): Promise<void> {
    // Fill invisible staging tables, then swap all three with one RENAME TABLE, which MySQL
    // applies atomically: a reader or a killed run never sees half a split.
    const conn = await this.pool.getConnection();
    try {
      const next = (t: string) => `${t}_next`;
      await conn.query(`DROP TABLE IF EXISTS ${PREPARED_TABLES.map((t) => `\`${next(t)}\``).join(', ')}`);
      await conn.query(cleanTable(next(TABLES.train)));
      await conn.query(cleanTable(next(TABLES.test)));
      await conn.query(rejectsTable(next(TABLES.rejects)));
      await this.insertClean(conn, next(TABLES.train), tables.train);
      await this.insertClean(conn, next(TABLES.test), tables.test);
      for (const part of chunks(tables.rejects, INSERT_CHUNK)) {
        await conn.query(`INSERT INTO \`${next(TABLES.rejects)}\` (${REJECT_COLUMNS_SQL}) VALUES ?`, [
          part.map((r) => [
            r.group,
            r.batch,
            r.row,
            r.field,
            r.reason.slice(0, 512),
            JSON.stringify(r.values),
          ]),
        ]);
      }
      const renames = PREPARED_TABLES.flatMap((t) => [
        `\`${t}\` TO \`${t}_old\``,
        `\`${next(t)}\` TO \`${t}\``,
      ]);
      await conn.query(`RENAME TABLE ${renames.join(', ')}`);
      await conn.query(`DROP TABLE ${PREPARED_TABLES.map((t) => `\`${t}_old\``).join(', ')}`);
    } finally {
      conn.release();
    }
  }

  private async insertClean(conn: PoolConnection, table: string, rows: readonly KeyedRow[]): Promise<void> {
    for (const part of chunks(rows, INSERT_CHUNK)) {
      const values = part.map((r) => [
        r.group,
        r.batch,
        r.row,
        ...CLEAN_COLUMNS.map((c) => (r as unknown as CovertypeRow)[c as keyof CovertypeRow]),
      ]);
      await conn.query(`INSERT INTO \`${table}\` (${CLEAN_COLUMNS_SQL}) VALUES ?`, [values]);
    }
  }

  async readSplit(split: Split): Promise<KeyedRow[]> {
    const table = split === 'train' ? TABLES.train : TABLES.test;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT ${CLEAN_COLUMNS_SQL} FROM \`${table}\` ORDER BY group_number, batch_number, row_index`,
    );
    return rows.map(toKeyedRow);
  }

  async countPrepared(): Promise<PreparedCounts> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT (SELECT COUNT(*) FROM \`${TABLES.train}\`) AS train, (SELECT COUNT(*) FROM \`${TABLES.test}\`) AS test,
        (SELECT COUNT(*) FROM \`${TABLES.rejects}\`) AS rejects`,
    );
    const r = rows[0]!;
    return { train: Number(r.train), test: Number(r.test), rejects: Number(r.rejects) };
  }

  async tryLock(name: string): Promise<PipelineLock | null> {
    // GET_LOCK belongs to the session: keep one connection out of the pool for the lock's lifetime.
    const conn = await this.pool.getConnection();
    const lockName = `${this.database}.${name}`.slice(0, 64);
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [lockName]);
      if (Number(rows[0]?.got) !== 1) {
        conn.release();
        return null;
      }
    } catch (err) {
      conn.release();
      throw err;
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          await conn.query('SELECT RELEASE_LOCK(?)', [lockName]);
        } finally {
          conn.release();
        }
      },
    };
  }

  async abandonStaleRuns(now: Date): Promise<number> {
    const reason = 'the trainer stopped before the run finished';
    const [result] = await this.pool.query<mysql.ResultSetHeader>(
      `UPDATE \`${TABLES.runs}\` SET status = 'abandoned', ended_at = ?, error = ? WHERE status = 'running'`,
      [now, reason],
    );
    await this.pool.query(
      `UPDATE \`${TABLES.tasks}\` SET status = 'abandoned', ended_at = ?, error = ? WHERE status = 'running'`,
      [now, reason],
    );
    return result.affectedRows;
  }

  async startRun(run: { runId: string; dag: string; trigger: string; startedAt: Date }): Promise<void> {
    await this.pool.query(
      `INSERT INTO \`${TABLES.runs}\` (run_id, dag, trigger_kind, status, started_at) VALUES (?, ?, ?, 'running', ?)`,
      [run.runId, run.dag, run.trigger, run.startedAt],
    );
  }

  async finishRun(runId: string, status: RunStatus, endedAt: Date, error: string | null): Promise<void> {
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

  async listRuns(limit: number): Promise<RunRecord[]> {
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

  async listTasks(runId: string): Promise<TaskRecord[]> {
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

  async close(): Promise<void> {
    await this.pool.end();
  }
}
