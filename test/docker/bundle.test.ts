// What the Node images run, checked without Docker: docker/bundle.mjs builds each service's runtime
// folder as the Dockerfile does, and the bundles then work on their own (no tsx, no workspace):
// data API → trainer (pipeline once, worker threads) → inference API on the champion, with /docs
// assets, the onnxruntime binaries of this platform only, and the image's healthcheck script.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '@covertype/testkit';
import { EXAMPLE_FEATURES } from '../../packages/covertype-schema/src/index.ts';

const dataDir = process.env.COVERTYPE_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
const csv = path.join(dataDir, 'covertype.csv');

let dir = '';
const running: ChildProcess[] = [];

function bundle(appDir: string, entry: string, extras = ''): string {
  const out = path.join(dir, path.basename(appDir));
  const res = spawnSync(process.execPath, ['docker/bundle.mjs', appDir, entry, out, extras], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, `bundle of ${appDir} failed:\n${res.stderr}`);
  return out;
}

/** Runs a bundle from its own folder, like the image (cwd /app, NODE_ENV=production, no tsx). */
function run(app: string, file: string, env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [path.join(app, 'dist', file), ...args], {
    cwd: app,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  running.push(child);
  return { child, output: () => output };
}

async function waitOk(url: string, proc: { child: ChildProcess; output: () => string }) {
  for (let i = 0; i < 300; i++) {
    if (proc.child.exitCode !== null) assert.fail(`exited ${proc.child.exitCode}:\n${proc.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${url} never answered 2xx:\n${proc.output()}`);
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-test-'));
});
after(async () => {
  for (const child of running) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

test('the bundled services train and serve a model without tsx or the workspace', async (t) => {
  if (!existsSync(csv)) return t.skip(`no ${csv}`);
  const dataApi = bundle('services/data-api', 'src/server.ts', 'src/cli/fetch-data.ts');
  const trainer = bundle('services/trainer', 'src/main.ts');
  const inference = bundle('services/inference-api', 'src/server.ts');
  assert.ok(existsSync(path.join(dataApi, 'dist/fetch-data.mjs')), 'extra entry point not bundled');
  assert.ok(existsSync(path.join(trainer, 'dist/worker-entry.mjs')), 'tree-ensemble worker not bundled');
  assert.equal(existsSync(path.join(dataApi, 'node_modules')), false, 'the data API needs no node_modules');

  const napi = path.join(inference, 'node_modules/onnxruntime-node/bin');
  for (const version of readdirSync(napi)) {
    assert.deepEqual(readdirSync(path.join(napi, version)), [process.platform]);
    assert.deepEqual(readdirSync(path.join(napi, version, process.platform)), [process.arch]);
  }

  const data = run(dataApi, 'main.mjs', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_PATH: csv,
    DATA_STATE_PATH: path.join(dir, 'state.json'),
    MIN_UPDATE_TIME: '0',
  });
  // PORT=0: read the port the data API logged.
  let dataUrl = '';
  for (let i = 0; i < 300 && !dataUrl; i++) {
    dataUrl = /listening at (http:\/\/[\d.:]+)/i.exec(data.output())?.[1] ?? '';
    if (data.child.exitCode !== null) assert.fail(data.output());
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(dataUrl, `no listen address in:\n${data.output()}`);
  await waitOk(`${dataUrl}/healthz`, data);

  const mlruns = `file:${path.join(dir, 'mlruns')}`;
  const train = run(
    trainer,
    'main.mjs',
    {
      DATA_API_URL: dataUrl,
      PIPELINE_DATA_DIR: path.join(dir, 'tables'),
      MLFLOW_TRACKING_URI: mlruns,
      SEARCH_PRESET: 'quick',
      TRAIN_WORKERS: '2',
    },
    ['--once'],
  );
  const [code] = await once(train.child, 'exit');
  assert.equal(code, 0, train.output());

  const serve = run(inference, 'main.mjs', {
    PORT: '0',
    HOST: '127.0.0.1',
    MLFLOW_TRACKING_URI: mlruns,
    MODEL_CACHE_DIR: path.join(dir, 'models'),
    MLFLOW_MODEL_CACHE_DIR: path.join(dir, 'mlflow-cache'),
  });
  let url = '';
  for (let i = 0; i < 300 && !url; i++) {
    url = /listening at (http:\/\/[\d.:]+)/i.exec(serve.output())?.[1] ?? '';
    if (serve.child.exitCode !== null) assert.fail(serve.output());
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitOk(`${url}/readyz`, serve);
  const res = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(EXAMPLE_FEATURES),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { Cover_Type: number; probabilities: number[] };
  assert.ok(body.Cover_Type >= 1 && body.Cover_Type <= 7);
  assert.equal(body.probabilities.length, 7);
  // The bundle's copy of onnxruntime-node still has the binding the API runs the model through.
  assert.match(serve.output(), /"runner":"native"[^\n]*"msg":"model loaded"/);

  // Swagger UI's assets are read from disk next to the bundle.
  const ui = await fetch(`${url}/docs/static/swagger-ui-bundle.js`);
  assert.equal(ui.status, 200);

  // The image's HEALTHCHECK script: /healthz over HTTP when PORT is set.
  const port = new URL(url).port;
  const health = spawnSync(process.execPath, [path.join(repoRoot, 'docker/healthcheck.mjs')], {
    env: { PATH: process.env.PATH ?? '', PORT: port },
  });
  assert.equal(health.status, 0, String(health.stderr));
  const down = spawnSync(process.execPath, [path.join(repoRoot, 'docker/healthcheck.mjs')], {
    env: { PATH: process.env.PATH ?? '', PORT: '1' },
  });
  assert.equal(down.status, 1);
});
