import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { freePort } from '@covertype/testkit';
import {
  createMlflow,
  isMlflowError,
  loadMlflowConfig,
  MlflowConnectionError,
  MlflowError,
} from '../src/index.ts';
import { startMlflowTestServer } from './helpers/index.ts';

const fast = { MLFLOW_HTTP_REQUEST_BACKOFF_MS: '20', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '6' };

describe('retries, timeouts and errors', () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('waits for a server that is still starting (connection refused, then up)', async () => {
    const port = await freePort();
    const retries: string[] = [];
    const mlflow = createMlflow(
      loadMlflowConfig({ MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`, ...fast }),
      {
        onRetry: ({ reason }) => retries.push(reason),
      },
    );
    const pending = mlflow.getOrCreateExperiment('late');
    await new Promise((r) => setTimeout(r, 150));
    const server = await startMlflowTestServer({ port });
    closers.push(server.close);
    assert.equal(await pending, '1');
    assert.ok(retries.length >= 1 && retries.every((r) => r === 'ECONNREFUSED'), retries.join(','));
  });

  it('retries 503, 502, 429 and 500, then succeeds', async () => {
    const server = await startMlflowTestServer();
    closers.push(server.close);
    const mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: server.url, ...fast }));
    for (const status of [503, 502, 429, 500])
      server.fail({ status, pathIncludes: 'experiments/get-by-name' });
    server.fail({ reset: true, pathIncludes: 'experiments/get-by-name' });
    await mlflow.getOrCreateExperiment('flaky');
    assert.equal(server.requests.filter((r) => r.path.endsWith('experiments/get-by-name')).length, 6);
  });

  it('waits as long as Retry-After says instead of its own backoff', async () => {
    const server = await startMlflowTestServer();
    closers.push(server.close);
    const waits: number[] = [];
    const mlflow = createMlflow(
      loadMlflowConfig({ MLFLOW_TRACKING_URI: server.url, MLFLOW_HTTP_REQUEST_BACKOFF_MS: '5000' }),
      { onRetry: ({ delayMs }) => waits.push(delayMs) },
    );
    server.fail({ status: 429, retryAfter: '0', pathIncludes: 'experiments/get-by-name' });
    server.fail({ status: 503, retryAfter: '0', pathIncludes: 'experiments/get-by-name' });
    await mlflow.getOrCreateExperiment('throttled');
    assert.deepEqual(waits, [0, 0]);
  });

  it('gives up after the configured retries with the last status', async () => {
    const server = await startMlflowTestServer();
    closers.push(server.close);
    const mlflow = createMlflow(
      loadMlflowConfig({
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_HTTP_REQUEST_BACKOFF_MS: '1',
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
      }),
    );
    server.fail({ status: 503, times: 10, pathIncludes: 'registered-models/get' });
    await assert.rejects(
      mlflow.getRegisteredModel('x'),
      (err) => err instanceof MlflowError && err.status === 503,
    );
    assert.equal(server.requests.filter((r) => r.path.endsWith('registered-models/get')).length, 3);
  });

  it('does not retry 4xx, and carries MLflow error_code and status', async () => {
    const server = await startMlflowTestServer();
    closers.push(server.close);
    const mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: server.url, ...fast }));
    await assert.rejects(mlflow.getRegisteredModel('missing'), (err) => {
      assert.ok(isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST'));
      assert.equal(err.status, 404);
      assert.match(
        err.message,
        /GET \/api\/2\.0\/mlflow\/registered-models\/get: RESOURCE_DOES_NOT_EXIST \(HTTP 404\): Registered Model with name=missing not found/,
      );
      return true;
    });
    server.fail({ status: 400, pathIncludes: 'registered-models/create' });
    await assert.rejects(mlflow.createRegisteredModel('m'), (err) => isMlflowError(err, 'BAD_REQUEST'));
    assert.equal(server.requests.filter((r) => r.path.endsWith('registered-models/get')).length, 1);
    assert.equal(server.requests.filter((r) => r.path.endsWith('registered-models/create')).length, 1);
  });

  it('times out a server that accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    closers.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise((r) => silent.close(r));
    });
    const port = (silent.address() as { port: number }).port;
    const mlflow = createMlflow(
      loadMlflowConfig({
        MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`,
        MLFLOW_HTTP_REQUEST_TIMEOUT_MS: '150',
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
        MLFLOW_HTTP_REQUEST_BACKOFF_MS: '1',
      }),
    );
    await assert.rejects(
      mlflow.getRun('abc'),
      (err) =>
        err instanceof MlflowConnectionError && err.timedOut && /timed out after 2 attempt/.test(err.message),
    );
  });

  for (const [label, env, auth] of [
    [
      'basic',
      { MLFLOW_TRACKING_USERNAME: 'admin', MLFLOW_TRACKING_PASSWORD: 'password1234' },
      { username: 'admin', password: 'password1234' },
    ],
    ['bearer', { MLFLOW_TRACKING_TOKEN: 'tok-123' }, { token: 'tok-123' }],
  ] as const) {
    it(`sends ${label} auth on API and artifact requests`, async () => {
      const server = await startMlflowTestServer({ auth });
      closers.push(server.close);
      const mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: server.url, ...fast, ...env }));
      const exp = await mlflow.getOrCreateExperiment('secured');
      const run = await mlflow.createRun({ experimentId: exp });
      await mlflow.logOnnxModel(run.info.runId, 'model', {
        onnx: new Uint8Array([1]),
        signature: { inputs: [] },
      });
      const expected =
        label === 'basic'
          ? `Basic ${Buffer.from('admin:password1234').toString('base64')}`
          : 'Bearer tok-123';
      assert.ok(server.requests.some((r) => r.path.startsWith('/api/2.0/mlflow-artifacts/')));
      assert.ok(server.requests.every((r) => r.headers.authorization === expected));
      const anonymous = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: server.url, ...fast }));
      const before = server.requests.length;
      await assert.rejects(
        anonymous.getRun(run.info.runId),
        (err) => err instanceof MlflowError && err.status === 401,
      );
      assert.equal(server.requests.length, before + 1, '401 is not retried');
    });
  }
});
