import type { Pool, RowDataPacket } from 'mysql2/promise';
import { MIGRATIONS, PREPARED_TABLES, q, TABLES } from './sql.ts';

const migrationsTable = `CREATE TABLE IF NOT EXISTS ${q(TABLES.migrations)} (
  version INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

async function tableExists(pool: Pool, table: string): Promise<boolean> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
    [table],
  );
  return Number(rows[0]?.n) > 0;
}

/**
 * Applies the migrations a database has not had yet, in order, each recorded in
 * pipeline_schema_migrations. A database made before migrations existed (its tables created by the
 * first schema, without the record) is taken as being at version 1. Run while holding the pipeline
 * lock, so two trainers never migrate at once. Returns the versions applied.
 */
export async function migrate(pool: Pool): Promise<number[]> {
  await pool.query(migrationsTable);
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT version FROM ${q(TABLES.migrations)}`);
  const applied = new Set(rows.map((r) => Number(r.version)));
  if (applied.size === 0 && (await tableExists(pool, TABLES.raw))) {
    await pool.query(`INSERT INTO ${q(TABLES.migrations)} (version, name) VALUES (1, ?)`, [
      `${MIGRATIONS[0]!.name} (found in place)`,
    ]);
    applied.add(1);
  }
  const done: number[] = [];
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    // MySQL commits DDL implicitly, so a migration is not atomic: one failing half-way is fixed by hand.
    for (const statement of m.statements) await pool.query(statement);
    await pool.query(`INSERT INTO ${q(TABLES.migrations)} (version, name) VALUES (?, ?)`, [
      m.version,
      m.name,
    ]);
    done.push(m.version);
  }
  // Staging tables of a run killed while replacing the splits: never visible, safe to drop.
  const staging = PREPARED_TABLES.flatMap((t) => [`${t}_next`, `${t}_old`]);
  await pool.query(`DROP TABLE IF EXISTS ${staging.map(q).join(', ')}`);
  return done;
}
