// The sweep's Docker mode refuses to start without Compose v2, with a line saying what to do, instead of the
// docker CLI's "unknown shorthand flag: 'f'" and an all-zero report.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeV2Missing } from '../sweep/docker-mode.ts';

test('no compose plugin: the reason names Compose v2 and the way out', async () => {
  const reason = await composeV2Missing(async () => {
    throw new Error("unknown shorthand flag: 'f' in -f");
  });
  assert.match(reason ?? '', /Docker Compose v2 is missing/);
  assert.match(reason ?? '', /--mode process/);
});

test('a v1 reported as `docker compose`: refused with its version', async () => {
  assert.match((await composeV2Missing(async () => ({ stdout: '1.29.2\n' }))) ?? '', /version 1\.29\.2/);
});

test('Compose v2: no reason', async () => {
  assert.equal(await composeV2Missing(async () => ({ stdout: '2.26.1-4\n' })), undefined);
  assert.equal(await composeV2Missing(async () => ({ stdout: 'v2.40.3\n' })), undefined);
});
