#!/usr/bin/env node
// `pnpm start`: run the main job.
//   With a Docker engine and Compose v2: .env from .env.example when absent, `docker compose up -d --build`,
//   wait until the inference API answers through the load balancer, print the URLs.
//   Otherwise: the same flow on this machine with `pnpm demo` (scripts/demo.mjs), saying why.
// START_MODE=docker or START_MODE=demo forces one; START_WAIT_SECONDS bounds the wait (default 900).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function say(line) {
  process.stdout.write(`start: ${line}\n`);
}

/** Runs `docker args` quietly: 'ok', 'failed', or 'missing' when there is no docker command. */
function docker(args) {
  const res = spawnSync('docker', args, { stdio: 'ignore', timeout: 15_000 });
  if (res.error?.code === 'ENOENT') return 'missing';
  return res.status === 0 ? 'ok' : 'failed';
}

/**
 * Which mode runs, and why, from START_MODE and what the machine offers: { mode: 'docker' | 'demo' |
 * 'error', reason, exitCode? }. `probe` (docker's answer to some arguments) is injectable.
 */
export function chooseMode(startMode, probe = docker) {
  if (startMode === 'demo') return { mode: 'demo', reason: 'START_MODE=demo: running `pnpm demo`' };
  const insisted = startMode === 'docker';
  if (startMode && !insisted) {
    return { mode: 'error', exitCode: 2, reason: `START_MODE=${startMode}: expected docker or demo` };
  }
  const engine = probe(['info', '--format', '{{.ServerVersion}}']);
  const composeV2 = engine !== 'missing' && probe(['compose', 'version']) === 'ok';
  if (engine === 'ok' && composeV2) return { mode: 'docker', reason: 'Docker engine and Compose v2 found' };
  if (insisted) {
    if (composeV2) return { mode: 'docker', reason: 'START_MODE=docker' };
    return {
      mode: 'error',
      exitCode: 1,
      reason:
        engine === 'missing'
          ? 'START_MODE=docker, but there is no `docker` command: install Docker, or START_MODE=demo'
          : 'START_MODE=docker, but no Compose v2 (`docker compose version` failed): install the Docker Compose plugin, or START_MODE=demo',
    };
  }
  const why =
    engine === 'missing'
      ? 'no `docker` command'
      : engine === 'ok'
        ? 'Docker engine found but no Compose v2 (`docker compose version` failed)'
        : 'no Docker engine answers (`docker info` failed)';
  return { mode: 'demo', reason: `${why}: running \`pnpm demo\`; START_MODE=docker to insist` };
}

/** `docker compose` (v2 plugin); the stack needs Compose v2 (configs from files, `name:`). */
function compose(args, options = {}) {
  return spawnSync('docker', ['compose', ...args], { cwd: root, stdio: 'inherit', ...options });
}

/** KEY=value lines of .env (no interpolation: only the few ports this script prints). */
function readEnvFile(file) {
  const values = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

async function waitForUrl(url, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let last = 'no answer';
  let lastReport = 0;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    if (Date.now() - lastReport > 30_000) {
      say(`waiting for ${url} (${last}); the first run builds images and trains a model`);
      lastReport = Date.now();
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
  say(`${url} still answers ${last} after ${seconds} s; see \`docker compose logs trainer inference-api\``);
  return false;
}

async function startDocker() {
  const envFile = path.join(root, '.env');
  if (!existsSync(envFile)) {
    copyFileSync(path.join(root, '.env.example'), envFile);
    say('created .env from .env.example (change the passwords before going beyond a laptop)');
  }
  const up = compose(['up', '-d', '--build']);
  if (up.status !== 0) process.exit(up.status ?? 1);
  const env = readEnvFile(envFile);
  const port = env.INFERENCE_PORT || '8989';
  const ready = await waitForUrl(
    `http://localhost:${port}/readyz`,
    Number(process.env.START_WAIT_SECONDS ?? 900),
  );
  const lines = [
    '',
    `inference API   http://localhost:${port}/docs${ready ? '' : '   (not ready yet)'}`,
    `data API        http://localhost:${env.DATA_API_PORT || '8000'}/docs`,
    `MLflow          http://localhost:${env.MLFLOW_PORT || '5000'}`,
    `MinIO console   http://localhost:${env.MINIO_CONSOLE_PORT || '9001'}`,
    '',
    'more replicas:  docker compose up -d --scale inference-api=4',
    'stop:           docker compose down      (add -v to delete the data volumes)',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  process.exit(ready ? 0 : 1);
}

function startDemo() {
  const child = spawn(process.execPath, [path.join(root, 'scripts/demo.mjs'), ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
  });
  // Ctrl-C reaches the demo too (same process group); it stops its children and exits 0.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  process.on('SIGHUP', () => child.kill('SIGHUP'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 0 : 1)));
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { mode, reason, exitCode } = chooseMode(process.env.START_MODE);
  if (mode === 'error') {
    say(reason);
    process.exit(exitCode);
  }
  say(reason);
  if (mode === 'docker') await startDocker();
  else startDemo();
}
