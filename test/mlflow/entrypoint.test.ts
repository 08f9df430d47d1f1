// mlflow/entrypoint.sh with a stub `mlflow` (the image has the real one): the server command the
// issue asks for (MySQL backend, s3://<bucket>/ artifact root, --serve-artifacts), extra arguments
// appended, and a clear message when a required setting is missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@covertype/testkit';

function run(env: Record<string, string>, args: string[] = []) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlflow-entry-'));
  try {
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin/mlflow'), '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
    chmodSync(path.join(dir, 'bin/mlflow'), 0o755);
    return spawnSync('sh', [path.join(repoRoot, 'mlflow/entrypoint.sh'), ...args], {
      env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, ...env },
      encoding: 'utf8',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('starts mlflow server on MySQL with S3 artifacts served through the server', () => {
  const res = run(
    {
      MLFLOW_BACKEND_STORE_URI: 'mysql+pymysql://mlflow:pw@mysql:3306/mlflow',
      MLFLOW_ARTIFACTS_BUCKET: 'mlflow',
    },
    ['--gunicorn-opts', '--timeout 120'],
  );
  assert.equal(res.status, 0, res.stderr);
  const argv = res.stdout.trim().split('\n');
  const value = (flag: string) => argv[argv.indexOf(flag) + 1];
  assert.equal(argv[0], 'server');
  assert.equal(value('--backend-store-uri'), 'mysql+pymysql://mlflow:pw@mysql:3306/mlflow');
  assert.equal(value('--default-artifact-root'), 's3://mlflow/');
  assert.equal(value('--artifacts-destination'), 's3://mlflow/');
  assert.ok(argv.includes('--serve-artifacts'));
  assert.equal(value('--host'), '0.0.0.0');
  assert.equal(value('--port'), '5000');
  assert.deepEqual(argv.slice(-2), ['--gunicorn-opts', '--timeout 120']);
});

test('names the missing setting instead of starting on a local file store', () => {
  const res = run({ MLFLOW_ARTIFACTS_BUCKET: 'mlflow' });
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /MLFLOW_BACKEND_STORE_URI/);
  assert.equal(res.stdout, '');
});
