// The README's commands work when pasted: its corepack workaround is run in a shell with stand-ins
// for corepack and pnpm, and every pnpm it starts must see COREPACK_INTEGRITY_KEYS=0 (corepack checks
// signatures when pnpm runs, not when it is enabled).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@covertype/testkit';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** The first ```sh block after `marker`. */
function blockAfter(marker: string): string {
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README has no "${marker}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  assert.ok(block, `no sh block after "${marker}"`);
  return block;
}

test('the corepack workaround, pasted into a shell, runs every pnpm with COREPACK_INTEGRITY_KEYS=0', () => {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'readme-corepack-'));
  try {
    const log = path.join(bin, 'calls.log');
    for (const tool of ['corepack', 'pnpm']) {
      const stub = path.join(bin, tool);
      writeFileSync(stub, `#!/bin/sh\necho "${tool} $1 keys=$COREPACK_INTEGRITY_KEYS" >> "${log}"\n`);
      chmodSync(stub, 0o755);
    }
    const { COREPACK_INTEGRITY_KEYS: _, ...env } = process.env;
    const snippet = blockAfter('No compatible signature found');
    const res = spawnSync('/bin/sh', ['-e', '-c', snippet], {
      encoding: 'utf8',
      env: { ...env, PATH: `${bin}:/usr/bin:/bin` },
      cwd: bin,
    });
    assert.equal(res.status, 0, res.stderr);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    const pnpmCalls = calls.filter((line) => line.startsWith('pnpm '));
    assert.ok(pnpmCalls.length >= 1, `the workaround runs no pnpm command:\n${snippet}`);
    for (const call of calls) assert.match(call, /keys=0$/, `without COREPACK_INTEGRITY_KEYS=0: ${call}`);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test('the npm fallback installs the pnpm version package.json pins', () => {
  const pinned = (
    JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { packageManager: string }
  ).packageManager;
  const named = /npm install -g (pnpm@[\w.-]+)/.exec(readme)?.[1];
  assert.equal(named, pinned);
});
