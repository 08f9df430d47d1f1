// `pnpm start` on a copy of the script next to a stub `docker` (whether or not this machine has an
// engine): with an engine and Compose v2 it creates .env from .env.example, runs `docker compose up -d
// --build`, waits for the inference API behind the load balancer (/readyz) and prints the URLs from .env;
// otherwise it runs the demo (a stub here) and says why; Ctrl-C ends it with exit code 0.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@covertype/testkit';

test('pnpm start with Docker: .env from the example, compose up --build, URLs once ready', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'start-test-'));
  let readyCalls = 0;
  // Stands in for the load balancer: not ready at first, then ready.
  const server = createServer((req, res) => {
    if (req.url === '/readyz') readyCalls++;
    res.writeHead(req.url === '/readyz' && readyCalls > 1 ? 200 : 503).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  try {
    mkdirSync(path.join(dir, 'scripts'));
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(path.join(repoRoot, 'scripts/start.mjs'), path.join(dir, 'scripts/start.mjs'));
    const example = readFileSync(path.join(repoRoot, '.env.example'), 'utf8').replace(
      /^INFERENCE_PORT=.*$/m,
      `INFERENCE_PORT=${port}`,
    );
    writeFileSync(path.join(dir, '.env.example'), example);
    const calls = path.join(dir, 'docker-calls.log');
    const stub = path.join(dir, 'bin/docker');
    writeFileSync(stub, `#!/bin/sh\necho "$*" >> "${calls}"\nexit 0\n`);
    chmodSync(stub, 0o755);

    const child = spawn(process.execPath, [path.join(dir, 'scripts/start.mjs')], {
      env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, START_WAIT_SECONDS: '60' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, output);
    assert.ok(existsSync(path.join(dir, '.env')), '.env not created');
    assert.equal(readFileSync(path.join(dir, '.env'), 'utf8'), example);
    const invoked = readFileSync(calls, 'utf8').trim().split('\n');
    assert.ok(invoked.includes('compose up -d --build'), invoked.join('\n'));
    assert.ok(readyCalls >= 2, 'start did not wait for /readyz');
    assert.match(output, new RegExp(`inference API\\s+http://localhost:${port}/docs\\n`));
    assert.match(output, /MLflow\s+http:\/\/localhost:5000/);
    assert.match(output, /created \.env from \.env\.example/);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A copy of start.mjs beside a stub demo (prints its arguments; with --wait it runs until
 * SIGINT, then exits 0) and a stub `docker` whose `info` and `compose version` exit with
 * STUB_INFO / STUB_COMPOSE (0 = works) and whose calls are logged.
 */
function startCopy(t: { after: (fn: () => void) => void }, { withDocker = true } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'start-mode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'scripts'));
  mkdirSync(path.join(dir, 'bin'));
  copyFileSync(path.join(repoRoot, 'scripts/start.mjs'), path.join(dir, 'scripts/start.mjs'));
  writeFileSync(
    path.join(dir, 'scripts/demo.mjs'),
    [
      "process.stdout.write('stub demo ran, args=' + process.argv.slice(2).join(' ') + '\\n');",
      "if (process.argv.includes('--wait')) {",
      "  process.on('SIGINT', () => { process.stdout.write('stub demo stopped\\n'); process.exit(0); });",
      '  setInterval(() => {}, 1000);',
      "  process.stdout.write('stub demo waiting\\n');",
      '}',
    ].join('\n'),
  );
  const calls = path.join(dir, 'docker-calls.log');
  writeFileSync(calls, '');
  if (withDocker) {
    const stub = path.join(dir, 'bin/docker');
    writeFileSync(
      stub,
      `#!/bin/sh\necho "$*" >> "${calls}"\ncase "$1" in\n  info) exit "\${STUB_INFO:-0}" ;;\n  compose) exit "\${STUB_COMPOSE:-0}" ;;\nesac\nexit 0\n`,
    );
    chmodSync(stub, 0o755);
  }
  const env = (extra: Record<string, string>) => {
    const { START_MODE: _m, HOST: _h, ...rest } = process.env;
    // PATH holds the stub only: a real docker on this machine is never asked.
    return { ...rest, PATH: path.join(dir, 'bin'), ...extra };
  };
  const run = (extra: Record<string, string>, args: string[] = []) =>
    spawnSync(process.execPath, [path.join(dir, 'scripts/start.mjs'), ...args], {
      env: env(extra),
      encoding: 'utf8',
    });
  return { dir, run, env, calls: () => readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean) };
}

test('pnpm start says why it runs the demo and how to insist on Docker', (t) => {
  const start = startCopy(t);
  const noCompose = start.run({ STUB_INFO: '0', STUB_COMPOSE: '1' });
  assert.equal(noCompose.status, 0, noCompose.stdout + noCompose.stderr);
  assert.match(
    noCompose.stdout,
    /start: Docker engine found but no Compose v2 \(`docker compose version` failed\): running `pnpm demo`; START_MODE=docker to insist\n/,
  );
  assert.match(noCompose.stdout, /stub demo ran/);
  assert.doesNotMatch(noCompose.stdout, /docker info` failed/);

  const noEngine = start.run({ STUB_INFO: '1', STUB_COMPOSE: '0' });
  assert.equal(noEngine.status, 0, noEngine.stdout + noEngine.stderr);
  assert.match(
    noEngine.stdout,
    /start: no Docker engine answers \(`docker info` failed\): running `pnpm demo`; START_MODE=docker to insist\n/,
  );

  const before = start.calls().length;
  const forced = start.run({ START_MODE: 'demo', STUB_INFO: '0', STUB_COMPOSE: '0' });
  assert.equal(forced.status, 0, forced.stdout + forced.stderr);
  assert.match(forced.stdout, /start: START_MODE=demo: running `pnpm demo`\n/);
  assert.doesNotMatch(forced.stdout, /failed/);
  assert.equal(start.calls().length, before, 'START_MODE=demo still probed docker');
});

test('pnpm start without any docker command runs the demo and says so', (t) => {
  const start = startCopy(t, { withDocker: false });
  const res = start.run({});
  assert.equal(res.status, 0, res.stdout + res.stderr);
  assert.match(res.stdout, /start: no `docker` command: running `pnpm demo`; START_MODE=docker to insist\n/);
  assert.match(res.stdout, /stub demo ran/);
});

test('START_MODE=docker without Compose v2 stops with one line saying what to install', (t) => {
  const start = startCopy(t);
  const res = start.run({ START_MODE: 'docker', STUB_INFO: '0', STUB_COMPOSE: '1' });
  assert.equal(res.status, 1);
  assert.equal(
    res.stdout,
    'start: START_MODE=docker, but no Compose v2 (`docker compose version` failed): install the Docker Compose plugin, or START_MODE=demo\n',
  );
  assert.doesNotMatch(res.stdout, /stub demo ran/);
  assert.ok(!start.calls().some((call) => call.startsWith('compose up')), 'compose up ran');
});

/**
 * Starts a command in a process group of its own (so the test can signal the group without signalling
 * itself), waits until its output shows `ready`, then sends SIGINT to the whole group, as a terminal's
 * Ctrl-C does. Resolves with the exit code, the signal and everything it printed.
 */
async function ctrlCWhenReady(
  command: string,
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
  ready: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exited = once(child, 'exit');
  while (!output.includes(ready)) {
    assert.equal(child.exitCode, null, output);
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(-(child.pid as number), 'SIGINT');
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  return { code, signal, output };
}

test('Ctrl-C on pnpm start (SIGINT to the whole process group, as a terminal sends it) exits 0', async (t) => {
  const start = startCopy(t);
  const { code, signal, output } = await ctrlCWhenReady(
    process.execPath,
    [path.join(start.dir, 'scripts/start.mjs'), '--wait'],
    { env: start.env({ START_MODE: 'demo' }) },
    'stub demo waiting',
  );
  assert.equal(signal, null, output);
  assert.equal(code, 0, output);
  assert.match(output, /stub demo stopped/);
});

/** pnpm as `pnpm test` runs it (npm_execpath), else from PATH; undefined when it cannot run. */
function findPnpm(): string[] | undefined {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) return [process.execPath, execPath];
  const res = spawnSync('pnpm', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return res.status === 0 ? ['pnpm'] : undefined;
}

test('Ctrl-C on `pnpm start` / `pnpm demo` ends without pnpm reporting a failed command', async (t) => {
  const pnpm = findPnpm();
  if (!pnpm) return t.skip('pnpm cannot run here (corepack: see the README)');
  const [command = 'pnpm', ...prefix] = pnpm;
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    packageManager: string;
    scripts: Record<string, string>;
  };
  for (const script of ['start', 'demo']) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'start-pnpm-'));
    try {
      mkdirSync(path.join(dir, 'scripts'));
      // The root package's script line, running a stand-in that stops cleanly on SIGINT.
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({
          name: 'start-pnpm',
          private: true,
          packageManager: pkg.packageManager,
          scripts: { [script]: pkg.scripts[script] },
        }),
      );
      writeFileSync(
        path.join(dir, `scripts/${script}.mjs`),
        "process.on('SIGINT', () => setTimeout(() => process.exit(0), 100));\nsetInterval(() => {}, 1000);\nprocess.stdout.write('stand-in waiting\\n');\n",
      );
      const { code, output } = await ctrlCWhenReady(
        command,
        [...prefix, script],
        { cwd: dir, env: { ...process.env, npm_config_verify_deps_before_run: 'false' } },
        'stand-in waiting',
      );
      assert.equal(code, 0, `pnpm ${script}: ${output}`);
      assert.doesNotMatch(output, /ELIFECYCLE|Command failed/, `pnpm ${script}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
