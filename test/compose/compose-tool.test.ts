// test/compose runs on any machine: Compose v2 (`docker compose`) when present, else v1
// (`docker-compose`), and without either its Compose tests skip and say why instead of failing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '@covertype/testkit';
import { findCompose } from './compose-tool.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A fake `spawnSync` answering `version --short` for the programs listed. */
const answering =
  (versions: Record<string, string>) =>
  (command: string, args: string[]): { status: number | null; stdout: string } => {
    const key = [command, ...args.slice(0, args.indexOf('version'))].join(' ');
    const version = versions[key];
    return version ? { status: 0, stdout: `${version}\n` } : { status: 1, stdout: '' };
  };

test('findCompose prefers the v2 plugin, falls back to docker-compose, else finds none', () => {
  const both = findCompose(answering({ 'docker compose': 'v2.26.1', 'docker-compose': '1.29.2' }));
  assert.deepEqual(both, {
    label: 'docker compose',
    command: 'docker',
    prefix: ['compose'],
    version: '2.26.1',
  });
  const v1 = findCompose(answering({ 'docker-compose': '1.29.2' }));
  assert.deepEqual(v1, { label: 'docker-compose', command: 'docker-compose', prefix: [], version: '1.29.2' });
  assert.equal(findCompose(answering({})), undefined);
  // A program that is not installed at all (spawn error) counts as absent.
  const missing = findCompose(() => {
    throw new Error('ENOENT');
  });
  assert.equal(missing, undefined);
});

test('without any Compose the compose tests skip with the reason and pass', () => {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'no-compose-'));
  try {
    // A docker CLI without the compose plugin, and no docker-compose on PATH.
    writeFileSync(
      path.join(bin, 'docker'),
      '#!/bin/sh\necho "docker: unknown command: docker $1" >&2\nexit 1\n',
    );
    chmodSync(path.join(bin, 'docker'), 0o755);
    const { CI: _ci, NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test', path.join(here, 'compose.test.ts')],
      { encoding: 'utf8', env: { ...env, PATH: bin, HOME: bin }, cwd: repoRoot },
    );
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(
      res.stdout,
      /# SKIP neither `docker compose` \(Compose v2 plugin\) nor `docker-compose` \(v1\)/,
    );
    assert.match(res.stdout, /# fail 0\n/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
