// `pnpm demo` end to end, as a user runs it: data API → pipeline → inference API → load → summary,
// then Ctrl-C (SIGINT) stops it and every service it started.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_FEATURES } from '../../packages/covertype-schema/src/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

// The timeout only guards against a hang; the demo normally takes seconds.
test('pnpm demo trains, serves and load-tests a model, and Ctrl-C stops everything', {
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-test-'));
  const demo = spawn(process.execPath, [path.join(repoRoot, 'scripts/demo.mjs')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DEMO_DIR: dir,
      DEMO_LOAD_SECONDS: '1',
      DEMO_CONNECTIONS: '4',
      DEMO_DATA_API_PORT: '0',
      DEMO_INFERENCE_PORT: '0',
      DEMO_EXIT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  demo.stdout.on('data', (d) => {
    output += d;
  });
  demo.stderr.on('data', (d) => {
    output += d;
  });
  const exited = once(demo, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (output.includes('Ctrl-C stops everything')) {
          clearInterval(check);
          resolve();
        }
      }, 200);
      exited.then(() => {
        clearInterval(check);
        reject(new Error(`demo exited before serving:\n${output}`));
      });
    });

    const accuracy = Number(/test accuracy\s+([0-9.]+) %/.exec(output)?.[1]);
    assert.ok(accuracy > 50 && accuracy <= 100, `test accuracy ${accuracy} %:\n${output}`);
    assert.match(output, /throughput\s+\d+ req\/s \(\d+ requests/);
    assert.match(output, /latency\s+p50 [0-9.]+ ms · p95 [0-9.]+ ms · p99/);
    assert.match(output, /errors\s+0\n/);
    const docs = /inference API\s+(http:\S+\/docs)/.exec(output)?.[1] as string;
    const dataDocs = /data API\s+(http:\S+\/docs)/.exec(output)?.[1] as string;
    const base = docs.replace(/\/docs$/, '');
    const res = await fetch(`${base}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(EXAMPLE_FEATURES),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { Cover_Type: number };
    assert.ok(body.Cover_Type >= 1 && body.Cover_Type <= 7);

    demo.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 0, output);
    assert.equal(await reachable(docs), false, 'the inference API still answers after Ctrl-C');
    assert.equal(await reachable(dataDocs), false, 'the data API still answers after Ctrl-C');
  } finally {
    if (demo.exitCode === null) demo.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pnpm start names the modes it knows when START_MODE is wrong', () => {
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/start.mjs')], {
    env: { ...process.env, START_MODE: 'kubernetes' },
    encoding: 'utf8',
  });
  assert.equal(res.status, 2);
  assert.match(res.stdout, /START_MODE=kubernetes: expected docker or demo/);
});
