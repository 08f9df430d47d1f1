import type { CovertypeRow } from '@covertype/schema';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { KeyedRow, PreparedCounts, PreparedTables, Split, SplitStore } from '../types.ts';
import {
  CLEAN_COLUMNS,
  CLEAN_COLUMNS_SQL,
  chunks,
  INSERT_CHUNK,
  PREPARED_TABLES,
  q,
  REJECT_COLUMNS_SQL,
  TABLES,
} from './sql.ts';

function toKeyedRow(r: RowDataPacket): KeyedRow {
  const row: Record<string, unknown> = {
    group: r.group_number,
    batch: r.batch_number,
    row: r.row_index,
  };
  for (const c of CLEAN_COLUMNS) row[c] = r[c];
  return row as unknown as KeyedRow;
}

export class MysqlSplitStore implements SplitStore {
  constructor(private readonly pool: Pool) {}

  async replace(tables: PreparedTables): Promise<void> {
    // Fill invisible staging tables shaped like the live ones (the migrations decide that shape),
    // then swap all three with one RENAME TABLE, which MySQL applies atomically: a reader or a
    // killed run never sees half a split.
    const conn = await this.pool.getConnection();
    try {
      const next = (t: string) => `${t}_next`;
      await conn.query(`DROP TABLE IF EXISTS ${PREPARED_TABLES.map((t) => q(next(t))).join(', ')}`);
      for (const t of PREPARED_TABLES) await conn.query(`CREATE TABLE ${q(next(t))} LIKE ${q(t)}`);
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
        `${q(t)} TO ${q(`${t}_old`)}`,
        `${q(next(t))} TO ${q(t)}`,
      ]);
      await conn.query(`RENAME TABLE ${renames.join(', ')}`);
      await conn.query(`DROP TABLE ${PREPARED_TABLES.map((t) => q(`${t}_old`)).join(', ')}`);
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

  async read(split: Split): Promise<KeyedRow[]> {
    const table = split === 'train' ? TABLES.train : TABLES.test;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT ${CLEAN_COLUMNS_SQL} FROM \`${table}\` ORDER BY group_number, batch_number, row_index`,
    );
    return rows.map(toKeyedRow);
  }

  async count(): Promise<PreparedCounts> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT (SELECT COUNT(*) FROM \`${TABLES.train}\`) AS train, (SELECT COUNT(*) FROM \`${TABLES.test}\`) AS test,
        (SELECT COUNT(*) FROM \`${TABLES.rejects}\`) AS rejects`,
    );
    const r = rows[0]!;
    return { train: Number(r.train), test: Number(r.test), rejects: Number(r.rejects) };
  }
}
