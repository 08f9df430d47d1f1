import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTs } from '@covertype/testkit';
import {
  type MlflowTestServer,
  startMlflowTestServer,
  startS3Server,
  type TestS3Server,
} from './helpers/index.ts';

const smoke = fileURLToPath(new URL('../src/cli/smoke.ts', import.meta.url));

describe('pnpm mlflow:smoke', () => {
  let server: MlflowTestServer;
  let s3: TestS3Server;
  let tmp: string;
  before(async () => {
    s3 = await startS3Server();
    server = await startMlflowTestServer({ defaultArtifactRoot: `s3://${s3.bucket}/artifacts` });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'mlflow-smoke-'));
  });
  after(async () => {
    await server.close();
    await s3.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('runs every step against a tracking server with S3 artifacts', async () => {
    const { code, output } = await runTs(smoke, {
      MLFLOW_TRACKING_URI: server.url,
      MLFLOW_MODEL_CACHE_DIR: path.join(tmp, 'cache'),
      INIT_CWD: tmp,
      ...s3.env,
    });
    assert.equal(code, 0, output);
    for (const step of [
      'experiment',
      'run',
      'params + metrics',
      'model directory',
      'registered',
      'alias',
      'resolved',
      'downloaded',
      'run finished',
    ]) {
      assert.match(
        output,
        new RegExp(`^ok  ${step.replace('+', '\\+')}\\s`, 'm'),
        `step "${step}" missing:\n${output}`,
      );
    }
    assert.match(
      output,
      /models:\/covertype-smoke@champion → s3:\/\/mlflow\/artifacts\/1\/\w+\/artifacts\/model/,
    );
    const [model] = server.state.models.values();
    assert.equal(model?.aliases.get('champion'), 1);
  });

  it('fails with one readable line when the server cannot be reached', async () => {
    const { code, output } = await runTs(smoke, {
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:9',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      INIT_CWD: tmp,
    });
    assert.equal(code, 1);
    assert.match(
      output,
      /mlflow:smoke failed: GET \/api\/2\.0\/mlflow\/experiments\/get-by-name to http:\/\/127\.0\.0\.1:9 failed \(ECONNREFUSED\)/,
    );
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });
});
