import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';

export const MYSQL_ADMIN_URL = process.env.DATABASE_TEST_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A MySQL database of the test's own, with a random name; drop() removes it. */
export async function testDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `pipeline_test_${randomBytes(5).toString('hex')}`;
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new URL(MYSQL_ADMIN_URL);
      admin.pathname = '/';
      const conn = await mysql.createConnection({ uri: admin.toString() });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

export async function tempDir(
  prefix = 'pipeline-test-',
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
