import { CSV_COLUMNS } from '@covertype/schema';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { RawRow, RawStore } from '../types.ts';
import { chunks, INSERT_CHUNK, RAW_COLUMNS_SQL, rawText, TABLES } from './sql.ts';

export class MysqlRawStore implements RawStore {
  constructor(private readonly pool: Pool) {}

  async insertBatch(group: number, batch: number, rows: readonly unknown[][]): Promise<number> {
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
        const [result] = await conn.query<ResultSetHeader>(
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

  async batches(group: number): Promise<number[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT DISTINCT batch_number FROM \`${TABLES.raw}\` WHERE group_number = ? ORDER BY batch_number`,
      [group],
    );
    return rows.map((r) => r.batch_number as number);
  }

  async read(groups: readonly number[]): Promise<RawRow[]> {
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

  async count(groups: readonly number[]): Promise<number> {
    if (groups.length === 0) return 0;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM \`${TABLES.raw}\` WHERE group_number IN (?)`,
      [groups],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
