// `pnpm start` with a Docker engine, on a copy of the script next to a stub `docker` (no engine here):
// it creates .env from .env.example, runs `docker compose up -d --build`, waits for the inference API
// behind the load balancer (/readyz) and prints the URLs from .env.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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
