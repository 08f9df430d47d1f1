// What `pnpm inference-api` tells its user at start: a bad MLFLOW_TRACKING_URI stops it before it
// listens; with nothing registered it names the registry, the URI and what to run; a model served
// from the local cache says which registry it came from (log and /models).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startTs, waitForHttp } from '@covertype/testkit';
import { localRegistry, registerModel, tempDir, trainModel } from './helper.ts';

const server = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/server.ts');

interface LoadedEntry {
  name: string;
  version: string;
  source: string;
  registry: string | null;
  cached_at: string | null;
}

describe('start-up messages', () => {
  it('refuses an invalid MLFLOW_TRACKING_URI before listening, in one line naming it', async () => {
    const port = await freePort();
    const proc = startTs(server, {
      PORT: String(port),
      MLFLOW_TRACKING_URI: 'localhost:5000',
      LOG_LEVEL: 'info',
    });
    const [code] = await once(proc.child, 'exit');
    assert.equal(code, 1, proc.output());
    assert.match(
      proc.output(),
      /^inference-api: invalid MLflow configuration: MLFLOW_TRACKING_URI="localhost:5000": expected http\(s\):\/\/host:port[^\n]*\n$/,
    );
    assert.doesNotMatch(proc.output(), /listening/);
  });

  it('with nothing registered, names the registry and the URI and says to run the pipeline', async () => {
    const tmp = await tempDir();
    const port = await freePort();
    const registry = `file:${path.join(tmp.dir, 'mlruns')}`;
    const proc = startTs(server, {
      PORT: String(port),
      HOST: '127.0.0.1',
      MLFLOW_TRACKING_URI: registry,
      MODEL_CACHE_DIR: path.join(tmp.dir, 'cache'),
      MODEL_RETRY_MAX: '200ms',
      LOG_LEVEL: 'info',
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, { status: 503 });
      // Until the first look at the registry has answered, there is no reason to give yet.
      let message = '';
      for (const deadline = Date.now() + 15_000; !message.includes('pnpm') && Date.now() < deadline; ) {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        message = ((await res.json()) as { message: string }).message;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(
        message.includes(`models:/covertype@champion is not in the registry at ${registry}`),
        message,
      );
      assert.match(message, /`pnpm pipeline`/);
      const deadline = Date.now() + 15_000;
      while (!proc.output().includes('no model registered') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const line = proc
        .output()
        .split('\n')
        .find((l) => l.includes('no model registered under MODEL_URI yet'));
      assert.ok(line, proc.output());
      const logged = JSON.parse(line) as { registry: string; modelUri: string; hint: string };
      assert.equal(logged.registry, registry);
      assert.equal(logged.modelUri, 'models:/covertype@champion');
      assert.match(logged.hint, /pnpm pipeline/);
    } finally {
      await proc.stop();
      await tmp.cleanup();
    }
  });

  it('a model served from the cache says which registry it came from, in the log and /models', async () => {
    const tmp = await tempDir();
    const first = path.join(tmp.dir, 'first-mlruns');
    const version = await registerModel(localRegistry(first), await trainModel());
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      MODEL_CACHE_DIR: path.join(tmp.dir, 'cache'),
      MODEL_POLL_SECONDS: '0',
      MODEL_RETRY_MAX: '200ms',
      LOG_LEVEL: 'info',
    };
    const models = async () =>
      (await (await fetch(`http://127.0.0.1:${port}/models`)).json()) as {
        loaded: LoadedEntry[];
        registered: unknown[];
      };
    const one = startTs(server, { ...env, MLFLOW_TRACKING_URI: `file:${first}` });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`);
      const [loaded] = (await models()).loaded;
      assert.deepEqual(
        [loaded?.source, loaded?.registry, loaded?.cached_at],
        ['registry', `file:${first}`, null],
      );
    } finally {
      assert.equal(await one.stop(), 0, one.output());
    }
    // Another, empty registry: the cached champion serves, and says where it came from.
    const second = `file:${path.join(tmp.dir, 'empty-mlruns')}`;
    const two = startTs(server, { ...env, MLFLOW_TRACKING_URI: second });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`);
      const listing = await models();
      assert.deepEqual(listing.registered, []);
      const [loaded] = listing.loaded;
      assert.equal(loaded?.version, version);
      assert.equal(loaded?.source, 'cache');
      assert.equal(loaded?.registry, `file:${first}`);
      assert.ok(
        loaded?.cached_at && !Number.isNaN(Date.parse(loaded.cached_at)),
        loaded?.cached_at ?? 'null',
      );
      const line = two
        .output()
        .split('\n')
        .find((l) => l.includes('serving the cached model'));
      assert.ok(line, two.output());
      const logged = JSON.parse(line) as { cachedFrom: string; registry: string };
      assert.deepEqual([logged.cachedFrom, logged.registry], [`file:${first}`, second]);
      assert.match(
        two.output(),
        /the cached model came from another registry than MLFLOW_TRACKING_URI names/,
      );
    } finally {
      assert.equal(await two.stop(), 0, two.output());
      await tmp.cleanup();
    }
  });
});
