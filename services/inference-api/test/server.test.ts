import assert from 'node:assert/strict';
import http from 'node:http';
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
      // Requests truly in flight when the signal arrives: headers and half of each body sent, the rest
      // written after SIGTERM. Waiting on the server's own in-flight gauge (not on a sleep) makes this
      // independent of how busy the machine is.
      const body = Buffer.from(JSON.stringify({ rows }));
      const half = body.length >> 1;
      const count = 8;
      const pending = Array.from({ length: count }, () => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          path: '/predict/batch',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        });
        const answer = new Promise<{ status: number; rows: number; error?: string }>((resolve) => {
          req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString();
              const parsed = res.statusCode === 200 ? (JSON.parse(text) as { predictions: unknown[] }) : null;
              resolve({ status: res.statusCode ?? 0, rows: parsed?.predictions.length ?? 0 });
            });
          });
          req.on('error', (err) => resolve({ status: 0, rows: 0, error: err.message }));
        });
        req.write(body.subarray(0, half));
        return { req, answer };
      });
      const deadline = Date.now() + 60_000;
      let inFlight = 0;
      while (inFlight < count && Date.now() < deadline) {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        inFlight = Number(/^http_requests_in_flight (\d+)/m.exec(metrics)?.[1] ?? 0);
        if (inFlight < count) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(inFlight, count, 'every request reached the server before the signal');
      const exit = proc.stop(15_000);
      for (const { req } of pending) req.end(body.subarray(half));
      const answers = await Promise.all(pending.map((p) => p.answer));
      const code = await exit;
      // Exit 0 means the drain ended before SHUTDOWN_TIMEOUT (the server exits 1 when it runs out).
      assert.equal(code, 0, proc.output());
      for (const a of answers) assert.deepEqual(a, { status: 200, rows: rows.length }, proc.output());
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
