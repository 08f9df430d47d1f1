import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { FileStateStore } from '../src/state/state-store.ts';
import { captureLogger, getData, manualClock, syntheticDataset, tempDir, testApp } from './helper.ts';

test('progress and the picked seed survive a restart (same state file)', async (t) => {
  const file = path.join(await tempDir(t), 'nested', 'state.json');
  const clock = manualClock();
  const dataset = syntheticDataset(500);

  const first = await testApp({ dataset, store: new FileStateStore(file), seed: undefined, now: clock.now });
  const served: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    served.push((await getData(first, 2)).body);
    clock.advance(5);
  }
  await first.close();
  const saved = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(saved.groups['2'].batch_number, 3);
  assert.match(saved.seed, /^\d+$/);

  clock.advance(-5);
  const second = await testApp({ dataset, store: new FileStateStore(file), seed: undefined, now: clock.now });
  t.after(() => second.close());
  const resumed = await getData(second, 2);
  assert.deepEqual(resumed.body, served[2], 'the same batch 3, with the same rows');
  clock.advance(5);
  assert.equal((await getData(second, 2)).body.batch_number, 4);
  assert.equal((await getData(second, 1)).body.batch_number, 1, 'untouched groups start at 1');
  await second.inject({ method: 'GET', url: '/restart_data_generation?group_number=2' });
  assert.equal(
    JSON.parse(await readFile(file, 'utf8')).groups['2'].batch_number,
    0,
    'a restart is saved too',
  );
  assert.deepEqual((await readdir(path.dirname(file))).sort(), ['state.json'], 'no temp files left behind');
});

test('a corrupt state file is reported and replaced, never fatal', async (t) => {
  const file = path.join(await tempDir(t), 'state.json');
  await writeFile(file, '{"version": 1, "seed": ');
  const { logger, lines } = captureLogger();
  const app = await testApp({ store: new FileStateStore(file), logger });
  t.after(() => app.close());
  assert.equal((await getData(app, 1)).body.batch_number, 1);
  const warning = lines.find((l) => l.msg === 'ignoring saved progress; starting fresh');
  assert.match(String(warning?.problem), /not valid JSON/);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).groups['1'].batch_number, 1);
});

test('a state file with the wrong shape is reported and replaced', async (t) => {
  const file = path.join(await tempDir(t), 'state.json');
  await writeFile(file, JSON.stringify({ version: 1, seed: 's', groups: { 1: { batch_number: 99 } } }));
  const { logger, lines } = captureLogger();
  const app = await testApp({ store: new FileStateStore(file), logger });
  t.after(() => app.close());
  assert.equal((await getData(app, 1)).body.batch_number, 1);
  assert.match(String(lines.find((l) => l.problem)?.problem), /not a data API state file/);
});

test('saved progress for other data (or another DATA_SEED) is not resumed', async (t) => {
  const file = path.join(await tempDir(t), 'state.json');
  const clock = manualClock();
  const first = await testApp({ store: new FileStateStore(file), now: clock.now, seed: 'a' });
  await getData(first, 1);
  clock.advance(5);
  await getData(first, 1);
  await first.close();

  const { logger, lines } = captureLogger();
  const other = await testApp({
    dataset: syntheticDataset(300),
    store: new FileStateStore(file),
    now: clock.now,
    seed: 'a',
    logger,
  });
  assert.equal((await getData(other, 1)).body.batch_number, 1);
  assert.ok(lines.some((l) => l.msg === 'saved progress is for different data; starting every group fresh'));
  await other.close();

  const reseeded = await testApp({
    dataset: syntheticDataset(300),
    store: new FileStateStore(file),
    seed: 'b',
  });
  t.after(() => reseeded.close());
  assert.equal((await getData(reseeded, 1)).body.batch_number, 1);
});

test('a state path that cannot be written stops the start with a message naming it', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'file'), 'not a folder');
  await assert.rejects(
    testApp({ store: new FileStateStore(path.join(dir, 'file', 'state.json')) }),
    /cannot save progress to .*file\/state\.json: E(EXIST|NOTDIR)/,
  );
});
