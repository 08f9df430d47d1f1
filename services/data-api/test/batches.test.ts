import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip } from '../src/routes/accept-encoding.ts';
import { getData, manualClock, syntheticDataset, testApp } from './helper.ts';

const elevations = (data: Array<Array<number | string | null>>) => data.map((row) => row[0] as number);

test('the first call serves batch 1, and the same batch again until MIN_UPDATE_TIME passed', async (t) => {
  const clock = manualClock();
  const app = await testApp({ now: clock.now, minUpdateTime: 5 });
  t.after(() => app.close());

  const first = await getData(app, 3);
  assert.equal(first.status, 200);
  assert.equal(first.body.group_number, 3);
  assert.equal(first.body.batch_number, 1);
  assert.equal(first.body.data.length, 2);

  clock.advance(4.9);
  const again = await getData(app, 3);
  assert.equal(again.body.batch_number, 1);
  assert.deepEqual(again.body.data, first.body.data);

  clock.advance(0.1);
  const second = await getData(app, 3);
  assert.equal(second.body.batch_number, 2);
  assert.notDeepEqual(second.body.data, first.body.data);
});

test('HEAD /data does not advance the group', async (t) => {
  const clock = manualClock();
  const app = await testApp({ now: clock.now, minUpdateTime: 5 });
  t.after(() => app.close());
  assert.equal((await app.inject({ method: 'HEAD', url: '/data?group_number=1' })).statusCode, 404);
  clock.advance(5);
  assert.equal((await getData(app, 1)).body.batch_number, 1, 'a served HEAD would make this batch 2');
});

test('rows keep CSV column order, numbers as numbers and the wilderness name as a string', async (t) => {
  const app = await testApp();
  t.after(() => app.close());
  const { body } = await getData(app, 1);
  for (const row of body.data) {
    assert.equal(row.length, 13);
    const i = (row[0] as number) - 2000;
    assert.deepEqual(row, JSON.parse(`[${syntheticRow(i)}]`));
  }
});

function syntheticRow(i: number): string {
  const areas = ['Rawah', 'Neota', 'Commanche', 'Cache'];
  return [
    2000 + i,
    i % 360,
    i % 60,
    30,
    -5,
    1200,
    200,
    220,
    140,
    900,
    `"${areas[i % 4]}"`,
    7745,
    (i % 7) + 1,
  ].join(',');
}

test("batches 1..10 are disjoint random samples that cover the group's slice exactly once", async (t) => {
  const clock = manualClock();
  const dataset = syntheticDataset(1000);
  const app = await testApp({ dataset, now: clock.now, minUpdateTime: 1 });
  t.after(() => app.close());

  const seen: number[] = [];
  for (let batch = 1; batch <= 10; batch++) {
    const { body } = await getData(app, 2);
    assert.equal(body.batch_number, batch);
    assert.equal(body.data.length, 10);
    seen.push(...elevations(body.data));
    clock.advance(1);
  }
  // Group 2 of 10 holds rows 100..199 of the file.
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => 2100 + i),
  );
  assert.notDeepEqual(
    seen.slice(0, 10),
    Array.from({ length: 10 }, (_, i) => 2100 + i),
    'not shuffled',
  );
});

test('uneven row counts still give ten groups that cover every row once', async (t) => {
  const clock = manualClock();
  const app = await testApp({ dataset: syntheticDataset(1234), now: clock.now, minUpdateTime: 0 });
  t.after(() => app.close());
  const seen = new Set<number>();
  for (let group = 1; group <= 10; group++) {
    for (let batch = 1; batch <= 10; batch++) {
      const { body } = await getData(app, group);
      for (const e of elevations(body.data)) seen.add(e);
      clock.advance(0.001);
    }
  }
  assert.equal(seen.size, 1234);
});

test('after batch 10, once the time passed again, the group answers 400 saying how to restart it', async (t) => {
  const clock = manualClock();
  const app = await testApp({ now: clock.now, minUpdateTime: 5 });
  t.after(() => app.close());
  for (let batch = 1; batch <= 10; batch++) {
    assert.equal((await getData(app, 7)).body.batch_number, batch);
    clock.advance(5);
  }
  clock.advance(-1);
  assert.equal((await getData(app, 7)).body.batch_number, 10, 'batch 10 again before the time passed');
  clock.advance(1);
  const done = await getData(app, 7);
  assert.equal(done.status, 400);
  assert.equal(done.body.field, 'group_number');
  assert.match(done.body.message ?? '', /group_number 7 is exhausted/);
  assert.match(done.body.message ?? '', /\/restart_data_generation\?group_number=7/);
  assert.equal((await getData(app, 6)).status, 200, 'other groups are not affected');
  const { progress } = (await app.inject({ method: 'GET', url: '/data/summary' })).json() as {
    progress: Array<{ group_number: number; batch_number: number; exhausted: boolean }>;
  };
  assert.deepEqual(
    progress.filter((p) => p.batch_number > 0).map((p) => [p.group_number, p.batch_number, p.exhausted]),
    [
      [6, 1, false],
      [7, 10, true],
    ],
  );
});

test('GET /restart_data_generation starts the group again with the same batches (same seed)', async (t) => {
  const clock = manualClock();
  const app = await testApp({ now: clock.now, minUpdateTime: 5 });
  t.after(() => app.close());
  const first = await getData(app, 4);
  clock.advance(5);
  assert.equal((await getData(app, 4)).body.batch_number, 2);

  const res = await app.inject({ method: 'GET', url: '/restart_data_generation?group_number=4' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    group_number: 4,
    batch_number: 0,
    message: 'group 4 restarted: the next GET /data?group_number=4 serves batch 1',
  });
  const again = await getData(app, 4);
  assert.equal(again.body.batch_number, 1);
  assert.deepEqual(again.body.data, first.body.data);
});

test('the same DATA_SEED gives the same batches; another seed gives others', async (t) => {
  const dataset = syntheticDataset(1000);
  const apps = await Promise.all(['alpha', 'alpha', 'beta'].map((seed) => testApp({ dataset, seed })));
  t.after(() => Promise.all(apps.map((app) => app.close())));
  const [x, y, z] = await Promise.all(apps.map((app) => getData(app, 5)));
  assert.deepEqual(x!.body.data, y!.body.data);
  assert.notDeepEqual(x!.body.data, z!.body.data);
});

for (const [query, expected] of [
  ['', /group_number is required/],
  ['?group_number=0', /integer from 1 to 10, got "0"/],
  ['?group_number=11', /integer from 1 to 10, got "11"/],
  ['?group_number=-1', /integer from 1 to 10/],
  ['?group_number=1.5', /integer from 1 to 10, got "1.5"/],
  ['?group_number=abc', /integer from 1 to 10, got "abc"/],
  ['?group_number=0x3', /integer from 1 to 10/],
] as const) {
  test(`GET /data${query} → 400 naming group_number`, async (t) => {
    const app = await testApp();
    t.after(() => app.close());
    for (const route of ['/data', '/restart_data_generation']) {
      const res = await app.inject({ method: 'GET', url: `${route}${query}` });
      assert.equal(res.statusCode, 400);
      const body = res.json() as { field: string; message: string };
      assert.equal(body.field, 'group_number');
      assert.match(body.message, expected);
    }
  });
}

test('clients that accept gzip get the same batch gzipped', async (t) => {
  const app = await testApp({ minUpdateTime: 60 });
  t.after(() => app.close());
  const plain = await app.inject({ method: 'GET', url: '/data?group_number=1' });
  assert.equal(plain.headers['content-encoding'], undefined);
  const zipped = await app.inject({
    method: 'GET',
    url: '/data?group_number=1',
    headers: { 'accept-encoding': 'gzip, deflate' },
  });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(zipped.headers.vary, 'accept-encoding');
  assert.deepEqual(JSON.parse(gunzipSync(zipped.rawPayload).toString()), plain.json());
});

for (const [header, expected] of [
  ['gzip', true],
  ['deflate, gzip;q=0.8', true],
  ['gzip;q=0', false],
  ['identity', false],
  ['*', true],
  ['*, gzip;q=0', false],
  ['br', false],
] as const) {
  test(`Accept-Encoding "${header}" → gzip ${expected}`, () => {
    assert.equal(acceptsGzip(header), expected);
  });
}
