import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileTableStore } from '../../src/store/file/store.ts';
import { MIGRATIONS, TABLES } from '../../src/store/mysql/sql.ts';
import { MysqlTableStore } from '../../src/store/mysql/store.ts';
import { tempDir, testDatabase } from '../helpers.ts';

const row = [2596, 51, 3, 258, 0, 510, 221, 232, 148, 6279, 'Rawah', 7745, 5];

describe('MySQL schema migrations', () => {
  let db: Awaited<ReturnType<typeof testDatabase>>;
  before(async () => {
    db = await testDatabase();
  });
  after(() => db.drop());

  const applied = async () => {
    const [rows] = await db.conn.query(`SELECT version FROM ${TABLES.migrations} ORDER BY version`);
    return (rows as { version: number }[]).map((r) => r.version);
  };

  it('creates the tables on an empty database once and records each version', async () => {
    const store = new MysqlTableStore(db.url);
    try {
      await store.open();
      await store.migrate();
      await store.migrate();
      assert.deepEqual(
        await applied(),
        MIGRATIONS.map((m) => m.version),
      );
      assert.equal(await store.raw.insertBatch(1, 0, [row]), 1);
      assert.deepEqual(await store.splits.count(), { train: 0, test: 0, rejects: 0 });
    } finally {
      await store.close();
    }
  });

  it('takes over a database made before migrations, keeping its rows', async () => {
    // The tables as the first schema made them, with a raw row and no migrations record.
    await db.conn.query(`DROP TABLE IF EXISTS ${Object.values(TABLES).join(', ')}`);
    for (const statement of MIGRATIONS[0]!.statements) await db.conn.query(statement);
    await db.conn.query(
      `INSERT INTO ${TABLES.raw} (group_number, batch_number, row_index, Elevation) VALUES (4, 0, 0, '2596')`,
    );
    const store = new MysqlTableStore(db.url);
    try {
      await store.migrate();
      assert.deepEqual(
        await applied(),
        MIGRATIONS.map((m) => m.version),
      );
      assert.equal(await store.raw.count([4]), 1);
      assert.equal(await store.raw.insertBatch(4, 1, [row]), 1);
    } finally {
      await store.close();
    }
  });
});

describe('file store layout versions', () => {
  it('records the version reached and keeps working on a folder made before versions', async () => {
    const tmp = await tempDir();
    try {
      const store = new FileTableStore(tmp.dir);
      await store.open();
      assert.equal(await store.raw.insertBatch(1, 0, [row]), 1);
      await store.migrate();
      const schema = JSON.parse(await readFile(path.join(tmp.dir, 'schema.json'), 'utf8'));
      assert.equal(schema.version, 1);
      assert.equal(await store.raw.count([1]), 1);
      await store.close();
    } finally {
      await tmp.remove();
    }
  });
});
