import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startTs, waitForHttp } from '@covertype/testkit';
import { bodyOf, loadRows, localRegistry, registerModel, tempDir, trainModel } from './helper.ts';

const server = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/server.ts');
const rows = loadRows(1024, 40_000).map(bodyOf);

describe('the server process', () => {
  it('serves the champion from the registry, then starts from the cache while the registry is down', async () => {
    const tmp = await tempDir();
    const registryDir = path.join(tmp.dir, 'mlruns');
    const version = await registerModel(localRegistry(registryDir), await trainModel());
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      MODEL_CACHE_DIR: path.join(tmp.dir, 'cache'),
      MODEL_POLL_SECONDS: '0',
      LOG_LEVEL: 'warn',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    };
    const first = startTs(server, { ...env, MLFLOW_TRACKING_URI: `file:${registryDir}` });
    try {
      const ready = await (await waitForHttp(`http://127.0.0.1:${port}/readyz`)).json();
      assert.deepEqual(ready, { status: 'ready', model: 'covertype', version });
    } finally {
      assert.equal(await first.stop(), 0, first.output());
    }
    // The registry moved away (unreachable HTTP server): the cached champion serves.
    const deadPort = await freePort();
    const second = startTs(server, { ...env, MLFLOW_TRACKING_URI: `http://127.0.0.1:${deadPort}` });
    try {
      const answer = await waitForHttp(`http://127.0.0.1:${port}/readyz`, { timeoutMs: 10_000 });
      const ready = (await answer.json()) as { version: string };
      assert.equal(ready.version, version);
      const res = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rows[0]),
      });
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await second.stop(), 0, second.output());
      await tmp.cleanup();
    }
  });

  it('keeps retrying while the registry is unreachable instead of exiting', async () => {
    const tmp = await tempDir();
    const port = await freePort();
    const proc = startTs(server, {
      PORT: String(port),
      HOST: '127.0.0.1',
      MODEL_CACHE_DIR: path.join(tmp.dir, 'cache'),
      MODEL_RETRY_MAX: '200ms',
      LOG_LEVEL: 'warn',
      MLFLOW_TRACKING_URI: `http://127.0.0.1:${await freePort()}`,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    });
    try {
      const res = await waitForHttp(`http://127.0.0.1:${port}/readyz`, { status: 503 });
      assert.match(((await res.json()) as { message: string }).message, /not loaded yet/);
      // Several failed attempts later the process still runs and says it will retry.
      const deadline = Date.now() + 15_000;
      while ((proc.output().match(/will retry/g)?.length ?? 0) < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(proc.child.exitCode, null, 'still running');
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      assert.match(proc.output(), /will retry/);
    } finally {
      await proc.stop();
      await tmp.cleanup();
    }
  });

  it('drains in-flight requests on SIGTERM and exits within SHUTDOWN_TIMEOUT', async () => {
    const tmp = await tempDir();
    const registryDir = path.join(tmp.dir, 'mlruns');
    await registerModel(localRegistry(registryDir), await trainModel());
    const port = await freePort();
    const proc = startTs(server, {
      PORT: String(port),
      HOST: '127.0.0.1',
      MODEL_CACHE_DIR: path.join(tmp.dir, 'cache'),
      MLFLOW_TRACKING_URI: `file:${registryDir}`,
      SHUTDOWN_TIMEOUT: '5s',
      LOG_LEVEL: 'warn',
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`);
      const body = JSON.stringify({ rows });
      const requests = Array.from({ length: 40 }, () =>
        fetch(`http://127.0.0.1:${port}/predict/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).then(
          async (r) => ({
            status: r.status,
            rows: r.status === 200 ? ((await r.json()) as { predictions: unknown[] }).predictions.length : 0,
          }),
          (err: Error) => ({ status: 0, rows: 0, error: err.message }),
        ),
      );
      // Signal once the server is busy with them.
      await new Promise((r) => setTimeout(r, 30));
      const stoppedAt = Date.now();
      const exit = proc.stop(10_000);
      const answers = await Promise.all(requests);
      const code = await exit;
      assert.equal(code, 0, proc.output());
      assert.ok(Date.now() - stoppedAt < 5_000, 'exited within SHUTDOWN_TIMEOUT');
      const served = answers.filter((a) => a.status === 200);
      assert.ok(served.length > 0, 'in-flight requests finished');
      for (const a of served) assert.equal(a.rows, rows.length);
      // Requests that arrived after the signal may be refused, never cut off mid-answer.
      for (const a of answers)
        assert.ok(a.status === 200 || a.status === 503 || a.status === 0, JSON.stringify(a));
    } finally {
      await proc.stop();
      await tmp.cleanup();
    }
  });

  it('--workers 2 runs two processes on one port and stops them all on SIGTERM', async () => {
    const tmp = await tempDir();
    const registryDir = path.join(tmp.dir, 'mlruns');
    await registerModel(localRegistry(registryDir), await trainModel());
    const port = await freePort();
    const proc = startTs(
      server,
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        MODEL_CACHE_DIR: path.join(tmp.dir, 'cache'),
        MLFLOW_TRACKING_URI: `file:${registryDir}`,
        LOG_LEVEL: 'info',
      },
      ['--workers', '2'],
    );
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, { timeoutMs: 30_000 });
      const deadline = Date.now() + 20_000;
      while ((proc.output().match(/"model loaded"/g)?.length ?? 0) < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(proc.output().match(/"model loaded"/g)?.length, 2, 'each worker loaded the model');
      assert.equal(await proc.stop(10_000), 0, proc.output());
    } finally {
      await proc.stop();
      await tmp.cleanup();
    }
  });
});
