// The README's command table, in order, with nothing configured: `pnpm pipeline` (pnpm runs it in
// services/trainer) registers a champion, and `pnpm inference-api` (run in services/inference-api)
// serves it, because both default to one registry at the workspace root. Run here in a stand-in
// workspace (a folder with pnpm-workspace.yaml), so the checkout's own mlruns/ is left alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { dataFile, freePort, repoRoot, waitForHttp } from '@covertype/testkit';

const tsx = pathToFileURL(createRequire(path.join(repoRoot, 'package.json')).resolve('tsx')).href;

/** `entry` with tsx, from `cwd` as pnpm would run it, without any MLflow setting of the caller's. */
function run(entry: string, cwd: string, env: Record<string, string>, args: string[] = []) {
  const { MLFLOW_TRACKING_URI: _u, MLFLOW_MODEL_CACHE_DIR: _c, DATABASE_URL: _d, ...rest } = process.env;
  const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, entry), ...args], {
    cwd,
    env: { ...rest, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  return { child, output: () => output };
}

test('pnpm pipeline, then pnpm inference-api, meet in one default registry', {
  timeout: 600_000,
}, async () => {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'workspace-'));
  writeFileSync(path.join(workspace, 'pnpm-workspace.yaml'), "packages:\n  - 'services/*'\n");
  const trainerDir = path.join(workspace, 'services/trainer');
  const apiDir = path.join(workspace, 'services/inference-api');
  mkdirSync(trainerDir, { recursive: true });
  mkdirSync(apiDir, { recursive: true });
  let api: ReturnType<typeof run> | undefined;
  try {
    const pipeline = run(
      'services/trainer/src/main.ts',
      trainerDir,
      {
        INIT_CWD: workspace,
        DATA_PATH: dataFile('covertype.csv'),
        DATA_GROUP: '1',
        SEARCH_PRESET: 'quick',
        PIPELINE_DATA_DIR: path.join(workspace, '.data/pipeline'),
      },
      ['--once'],
    );
    const [code] = await once(pipeline.child, 'exit');
    assert.equal(code, 0, pipeline.output());
    assert.ok(existsSync(path.join(workspace, 'mlruns')), 'the pipeline did not write <workspace>/mlruns');
    assert.ok(!existsSync(path.join(trainerDir, 'mlruns')), 'the pipeline wrote a registry of its own');

    const port = await freePort();
    api = run('services/inference-api/src/server.ts', apiDir, {
      INIT_CWD: workspace,
      PORT: String(port),
      MODEL_POLL_SECONDS: '0',
    });
    const ready = (await (
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, { timeoutMs: 120_000 })
    ).json()) as {
      model: string;
    };
    assert.equal(ready.model, 'covertype');
    const models = (await (await fetch(`http://127.0.0.1:${port}/models`)).json()) as {
      loaded: { source: string; registry: string }[];
    };
    assert.deepEqual(
      [models.loaded[0]?.source, models.loaded[0]?.registry],
      ['registry', `file:${path.join(workspace, 'mlruns')}`],
    );
  } finally {
    if (api && api.child.exitCode === null) {
      api.child.kill('SIGTERM');
      await once(api.child, 'exit');
    }
    rmSync(workspace, { recursive: true, force: true });
  }
});
