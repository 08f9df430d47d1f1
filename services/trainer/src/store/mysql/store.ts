import mysql, { type Pool } from 'mysql2/promise';
import type { TableStore } from '../types.ts';
import { MysqlRunLock } from './lock.ts';
import { migrate } from './migrations.ts';
import { MysqlRawStore } from './raw.ts';
import { MysqlRunLog } from './run-log.ts';
import { MysqlSplitStore } from './splits.ts';

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

/** The pipeline's tables in one MySQL database, through one pool shared by the role stores. */
export class MysqlTableStore implements TableStore {
  readonly kind = 'mysql' as const;
  readonly location: string;
  readonly raw: MysqlRawStore;
  readonly splits: MysqlSplitStore;
  readonly lock: MysqlRunLock;
  readonly runs: MysqlRunLog;
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
    this.raw = new MysqlRawStore(this.pool);
    this.splits = new MysqlSplitStore(this.pool);
    this.lock = new MysqlRunLock(this.pool, this.database);
    this.runs = new MysqlRunLog(this.pool);
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

  async migrate(): Promise<void> {
    await migrate(this.pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
