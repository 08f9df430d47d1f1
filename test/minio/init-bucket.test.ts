// minio/init-bucket.sh with a stub `mc` (the minio/mc image provides the real one): it registers the
// alias with the root credentials, retries while MinIO is not accepting them yet, and creates the
// bucket idempotently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@covertype/testkit';

const script = path.join(repoRoot, 'minio/init-bucket.sh');

/** Runs the script with an `mc` that fails `alias set` the first `failures` times. */
function run(env: Record<string, string>, failures = 0) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'minio-init-'));
  try {
    mkdirSync(path.join(dir, 'bin'));
    const log = path.join(dir, 'calls.log');
    const count = path.join(dir, 'count');
    writeFileSync(count, '0');
    writeFileSync(
      path.join(dir, 'bin/mc'),
      `#!/bin/sh
echo "$*" >> "${log}"
if [ "$1" = alias ]; then
  n=$(cat "${count}"); echo $((n + 1)) > "${count}"
  [ "$n" -lt ${failures} ] && exit 1
fi
exit 0
`,
    );
    chmodSync(path.join(dir, 'bin/mc'), 0o755);
    // `sleep` between retries is stubbed too, so the test does not wait.
    writeFileSync(path.join(dir, 'bin/sleep'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(dir, 'bin/sleep'), 0o755);
    const res = spawnSync('sh', [script], {
      env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, ...env },
      encoding: 'utf8',
    });
    let calls: string[] = [];
    try {
      calls = readFileSync(log, 'utf8').trim().split('\n');
    } catch {}
    return { ...res, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const env = {
  MINIO_ROOT_USER: 'user',
  MINIO_ROOT_PASSWORD: 'password1',
  MLFLOW_ARTIFACTS_BUCKET: 'artifacts',
};

test('creates the bucket with the root credentials, retrying while MinIO starts', () => {
  const res = run(env, 2);
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(res.calls, [
    'alias set local http://minio:9000 user password1',
    'alias set local http://minio:9000 user password1',
    'alias set local http://minio:9000 user password1',
    'mb --ignore-existing local/artifacts',
  ]);
  assert.match(res.stdout, /bucket artifacts ready/);
});

test('gives up with a clear message when MinIO never accepts the credentials', () => {
  const res = run(env, 1000);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /did not accept the root credentials after 30 tries/);
  assert.equal(res.calls.filter((c) => c.startsWith('mb')).length, 0);
});

test('names the missing setting', () => {
  const res = run({ MINIO_ROOT_USER: 'user', MINIO_ROOT_PASSWORD: 'password1' });
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /MLFLOW_ARTIFACTS_BUCKET is not set/);
});
