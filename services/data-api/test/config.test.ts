import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '@covertype/service-kit';
import { defaultDataPath, loadConfig, repoRoot } from '../src/config.ts';
import { tempDir } from './helper.ts';

test('defaults: port 8000 on this machine only (127.0.0.1), 5 s between batches, state under .data', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 8000);
  assert.equal(config.HOST, '127.0.0.1');
  assert.equal(config.MIN_UPDATE_TIME, 5);
  assert.equal(config.DATA_SEED, undefined);
  assert.equal(config.DATA_STATE_PATH, path.join(repoRoot, '.data/data-api-state.json'));
  assert.equal(config.DATA_PATH, defaultDataPath());
});

test('DATA_PATH defaults to the shared covertype.csv beside the repository, else .data/covtype.csv', async (t) => {
  const dir = await tempDir(t);
  const root = path.join(dir, 'repo');
  assert.equal(defaultDataPath(root), path.join(root, '.data/covtype.csv'));
  await mkdir(path.join(dir, 'shared/data'), { recursive: true });
  await writeFile(path.join(dir, 'shared/data/covertype.csv'), '');
  assert.equal(defaultDataPath(root), path.join(dir, 'shared/data/covertype.csv'));
});

test('relative paths are taken from where the command was typed (INIT_CWD), then the working folder', () => {
  const config = loadConfig({
    INIT_CWD: '/home/me/project',
    DATA_PATH: 'data/x.csv',
    DATA_STATE_PATH: 's.json',
  });
  assert.equal(config.DATA_PATH, '/home/me/project/data/x.csv');
  assert.equal(config.DATA_STATE_PATH, '/home/me/project/s.json');
  assert.equal(loadConfig({ DATA_PATH: 'y.csv' }).DATA_PATH, path.resolve('y.csv'));
});

test('empty values mean "use the default"; bad values name the variable', () => {
  assert.equal(loadConfig({ PORT: '', MIN_UPDATE_TIME: '' }).PORT, 8000);
  assert.equal(loadConfig({ MIN_UPDATE_TIME: '0.5', DATA_SEED: 'abc' }).MIN_UPDATE_TIME, 0.5);
  assert.throws(
    () => loadConfig({ MIN_UPDATE_TIME: '-1' }),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /MIN_UPDATE_TIME="-1"/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL="loud"/);
});
