#!/usr/bin/env node
// `pnpm start`: run the main job.
//   With a working Docker engine: .env from .env.example when absent, `docker compose up -d --build`,
//   wait until the inference API answers through the load balancer, print the URLs.
//   Without one: the same flow on this machine with `pnpm demo` (scripts/demo.mjs).
// START_MODE=docker or START_MODE=demo forces one; START_WAIT_SECONDS bounds the wait (default 900).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.env.START_MODE ?? (dockerWorks() ? 'docker' : 'demo');

function say(line) {
  process.stdout.write(`start: ${line}\n`);
}

function dockerWorks() {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    stdio: 'ignore',
    timeout: 15_000,
  });
  return info.status === 0;
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
  if (compose(['version'], { stdio: 'ignore' }).status !== 0) {
    say('`docker compose` (Compose v2) is not available; install the Docker Compose plugin');
    process.exit(1);
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
  say('no Docker engine here (`docker info` failed): running `pnpm demo` instead');
  const child = spawn(process.execPath, [path.join(root, 'scripts/demo.mjs'), ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
  });
  // Ctrl-C reaches the demo too (same process group); it stops its children and exits.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (mode === 'docker') await startDocker();
else if (mode === 'demo') startDemo();
else {
  say(`START_MODE=${mode}: expected docker or demo`);
  process.exit(2);
}
