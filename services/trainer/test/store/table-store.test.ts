import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileTableStore } from '../../src/store/file/store.ts';
import { MysqlTableStore } from '../../src/store/mysql/store.ts';
import type { KeyedRow, TableStore } from '../../src/store/types.ts';
import { prepare } from '../../src/tasks/prepare.ts';
import { tempDir, testDatabase } from '../helpers.ts';

const good = (elevation: number, label: number): unknown[] => [
  elevation,
  51,
  3,
  258,
  0,
  510,
  221,
  232,
  148,
  6279,
  'Rawah',
  7745,
  label,
];

function contract(name: string, open: () => Promise<{ store: TableStore; cleanup: () => Promise<void> }>) {
  describe(`${name} table store`, () => {
    let store: TableStore;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, cleanup } = await open());
      await store.open();
      await store.migrate();
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    it('stores a batch once: the same (group, batch, row) again adds nothing', async () => {
      const rows = [good(2596, 5), good(2590, 2), ['x', 1, 2]];
      assert.equal(await store.raw.insertBatch(1, 0, rows), 3);
      assert.equal(await store.raw.insertBatch(1, 0, rows), 0);
      assert.equal(await store.raw.insertBatch(1, 1, [good(2800, 1)]), 1);
      assert.equal(await store.raw.insertBatch(2, 0, [good(3000, 7)]), 1);
      assert.deepEqual(await store.raw.batches(1), [0, 1]);
      assert.equal(await store.raw.count([1]), 4);
      const raw = await store.raw.read([1, 2]);
      assert.deepEqual(
        raw.map((r) => [r.group, r.batch, r.row]),
        [
          [1, 0, 0],
          [1, 0, 1],
          [1, 0, 2],
          [1, 1, 0],
          [2, 0, 0],
        ],
      );
    });

    it('replaces train, test and rejects together and reads them back typed', async () => {
      const rows: unknown[][] = [];
      for (let i = 0; i < 40; i++) rows.push(good(2000 + i, (i % 2) + 1));
      rows.push(good(-5, 1));
      await store.raw.insertBatch(3, 0, rows);
      const result = await prepare({
        raw: store.raw,
        splits: store.splits,
        groups: [3],
        testFraction: 0.25,
        seed: 1,
      });
      assert.deepEqual([result.train, result.test, result.rejects], [30, 10, 1]);
      assert.deepEqual(result.rejectsByField, { Elevation: 1 });
      assert.deepEqual(await store.splits.count(), { train: 30, test: 10, rejects: 1 });
      const test = await store.splits.read('test');
      const first = test[0] as KeyedRow;
      assert.equal(typeof first.Elevation, 'number');
      assert.equal(first.Wilderness_Area, 'Rawah');
      assert.equal(first.Soil_Type, 7745);
      assert.equal(test.filter((r) => r.Cover_Type === 1).length, 5);
      // Same raw data and seed: the same test table.
      const again = await prepare({
        raw: store.raw,
        splits: store.splits,
        groups: [3],
        testFraction: 0.25,
        seed: 1,
      });
      assert.equal(again.testFingerprint, result.testFingerprint);
    });

    it('lets one holder take the lock at a time', async () => {
      const lock = await store.lock.tryLock('trainer');
      assert.ok(lock);
      assert.equal(await store.lock.tryLock('trainer'), null);
      await lock.release();
      const again = await store.lock.tryLock('trainer');
      assert.ok(again);
      await again.release();
    });

    it('records runs and task attempts, and marks runs a killed trainer left running as abandoned', async () => {
      const t0 = new Date('2026-01-01T00:00:00Z');
      await store.runs.start({ runId: 'run-a', dag: 'd', trigger: 'manual', startedAt: t0 });
      await store.runs.taskStarted('run-a', 'ingest', 1, t0);
      await store.runs.taskFinished(
        'run-a',
        'ingest',
        1,
        'retrying',
        new Date('2026-01-01T00:00:01Z'),
        'down',
      );
      await store.runs.taskStarted('run-a', 'ingest', 2, t0);
      await store.runs.start({
        runId: 'run-b',
        dag: 'd',
        trigger: 'cron',
        startedAt: new Date('2026-01-02T00:00:00Z'),
      });
      await store.runs.finish('run-b', 'success', new Date('2026-01-02T00:01:00Z'), null);
      assert.equal(await store.runs.abandonStale(new Date('2026-01-03T00:00:00Z')), 1);
      const runs = await store.runs.list(10);
      assert.deepEqual(
        runs.map((r) => [r.runId, r.status]),
        [
          ['run-b', 'success'],
          ['run-a', 'abandoned'],
        ],
      );
      const tasks = await store.runs.tasks('run-a');
      assert.deepEqual(
        tasks.map((t) => [t.task, t.attempt, t.status, t.error]),
        [
          ['ingest', 1, 'retrying', 'down'],
          ['ingest', 2, 'abandoned', 'the trainer stopped before the run finished'],
        ],
      );
      assert.equal(tasks[0]!.startedAt?.toISOString(), t0.toISOString());
    });
  });
}

contract('mysql', async () => {
  const db = await testDatabase();
  return { store: new MysqlTableStore(db.url), cleanup: db.drop };
});

contract('file', async () => {
  const tmp = await tempDir();
  return { store: new FileTableStore(tmp.dir), cleanup: tmp.remove };
});
