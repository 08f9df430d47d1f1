// `pnpm demo` end to end, as a user runs it: data API → pipeline → inference API → load → summary,
// then Ctrl-C (SIGINT to its whole process group, as a terminal sends it) stops it, with exit code 0,
// and every service it started. It says which port it could not have, and listens on 127.0.0.1 only.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@covertype/testkit';
import { EXAMPLE_FEATURES } from '../../packages/covertype-schema/src/index.ts';

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/** An IPv4 address of this machine other than loopback, if it has one. */
function otherAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

// The timeout only guards against a hang; the demo normally takes seconds.
test('pnpm demo trains, serves and load-tests a model, and Ctrl-C stops everything', {
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-test-'));
  // A port already taken, as by a running stack: the demo must say so and pick another.
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const takenPort = (taken.address() as { port: number }).port;
  const { HOST: _host, ...env } = process.env;
  const demo = spawn(process.execPath, [path.join(repoRoot, 'scripts/demo.mjs')], {
    cwd: repoRoot,
    env: {
      ...env,
      DEMO_DIR: dir,
      DEMO_LOAD_SECONDS: '1',
      DEMO_CONNECTIONS: '4',
      DEMO_DATA_API_PORT: String(takenPort),
      DEMO_INFERENCE_PORT: '0',
      DEMO_EXIT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so Ctrl-C can be sent to the group as a terminal does.
    detached: true,
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

    const picked = new RegExp(
      `demo: port ${takenPort} is taken \\(EADDRINUSE\\): the data API uses port (\\d+) instead \\(set DEMO_DATA_API_PORT to choose\\)`,
    ).exec(output);
    assert.ok(picked, output);
    assert.equal(new URL(dataDocs).port, picked[1]);
    assert.match(output, /MLflow registry\s+\S*mlruns\n/);
    // Without HOST, both services listen on this machine only.
    assert.equal(new URL(docs).hostname, '127.0.0.1');
    const address = otherAddress();
    if (address) {
      for (const url of [docs, dataDocs]) {
        const other = new URL(url);
        other.hostname = address;
        assert.equal(await reachable(other.href), false, `${other.href} answers from outside 127.0.0.1`);
      }
    }

    process.kill(-(demo.pid as number), 'SIGINT');
    const [code, signal] = await exited;
    assert.equal(signal, null, output);
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /stopped unexpectedly/);
    assert.equal(await reachable(docs), false, 'the inference API still answers after Ctrl-C');
    assert.equal(await reachable(dataDocs), false, 'the data API still answers after Ctrl-C');
  } finally {
    if (demo.exitCode === null) demo.kill('SIGKILL');
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pnpm demo stops at once, naming COVERTYPE_DATA_DIR, when that folder is missing', () => {
  const missing = path.join(os.tmpdir(), 'no-such-covertype-folder');
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/demo.mjs'), '--exit'], {
    env: { ...process.env, COVERTYPE_DATA_DIR: missing, DEMO_DIR: path.join(os.tmpdir(), 'demo-never-made') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(res.status, 1, res.stdout + res.stderr);
  assert.equal(res.stderr, `demo: COVERTYPE_DATA_DIR=${missing}: no such folder (${missing})\n`);
  assert.doesNotMatch(res.stdout, /data: /, 'the demo went on with other data');
});

test('pnpm start names the modes it knows when START_MODE is wrong', () => {
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/start.mjs')], {
    env: { ...process.env, START_MODE: 'kubernetes' },
    encoding: 'utf8',
  });
  assert.equal(res.status, 2);
  assert.match(res.stdout, /START_MODE=kubernetes: expected docker or demo/);
});
