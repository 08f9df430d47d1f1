import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMlflow, currentUser, loadMlflowConfig } from '../src/index.ts';
import { type MlflowTestServer, startMlflowTestServer } from './helpers/index.ts';

const USER_VARS = ['LOGNAME', 'USER', 'LNAME', 'USERNAME'] as const;

/** Runs fn with none of the variables getpass.getuser() reads, as in a container or CI job. */
async function withoutUserEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = USER_VARS.map((k) => [k, process.env[k]] as const);
  for (const k of USER_VARS) delete process.env[k];
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
  }
}

describe('the user a run is recorded for', () => {
  let server: MlflowTestServer;
  let dir: string;
  before(async () => {
    server = await startMlflowTestServer();
    dir = await mkdtemp(path.join(os.tmpdir(), 'mlflow-user-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('follows getpass.getuser(): the environment first, then the OS account', () => {
    assert.equal(currentUser({ USER: 'alice', LOGNAME: 'bob' }), 'bob', 'LOGNAME comes first');
    assert.equal(currentUser({ USERNAME: 'carol' }), 'carol');
    assert.equal(currentUser({}), os.userInfo().username);
  });

  for (const kind of ['REST', 'local directory'] as const) {
    it(`${kind}: falls back to the OS account when $USER is unset (mlflow.user tag and user_id)`, async () => {
      const uri = kind === 'REST' ? server.url : `file:${dir}/mlruns`;
      const mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: uri }));
      const expId = await mlflow.getOrCreateExperiment('users');
      const runId = await withoutUserEnv(
        async () => (await mlflow.createRun({ experimentId: expId })).info.runId,
      );
      const run = await mlflow.getRun(runId);
      const expected = os.userInfo().username;
      assert.ok(expected, 'this machine has a named OS account');
      assert.equal(run.data.tags['mlflow.user'], expected);
      assert.equal(run.info.userId, expected);
    });
  }
});
