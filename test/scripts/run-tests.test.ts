// scripts/run-tests.mjs (`pnpm test`, or one folder): a folder argument runs every *.test.ts below it,
// whatever the folder is called; a missing folder is named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@covertype/testkit';

const runTests = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(repoRoot, 'scripts/run-tests.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });

test('a folder argument finds its tests whatever the folder is called', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'run-tests-'));
  try {
    // A folder named neither `test` nor holding a `test/` subfolder, as test/compose is.
    mkdirSync(path.join(dir, 'compose', 'nested'), { recursive: true });
    const body = (name: string) => `import { test } from 'node:test';\ntest('${name}', () => {});\n`;
    writeFileSync(path.join(dir, 'compose', 'first.test.ts'), body('first fixture test'));
    writeFileSync(path.join(dir, 'compose', 'nested', 'second.test.ts'), body('second fixture test'));
    writeFileSync(path.join(dir, 'compose', 'helper.ts'), 'export const notATest = 1;\n');
    const res = runTests(path.join(dir, 'compose'));
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /first fixture test/);
    assert.match(res.stdout, /second fixture test/);
    assert.match(res.stdout, /# tests 2\n/);

    const one = runTests(path.join(dir, 'compose', 'first.test.ts'));
    assert.equal(one.status, 0, one.stdout + one.stderr);
    assert.match(one.stdout, /# tests 1\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder that does not exist, or holds no tests, is named', () => {
  const missing = runTests('no/such/folder');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no\/such\/folder does not exist/);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'run-tests-'));
  try {
    const empty = runTests(dir);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /no test files \(\*\.test\.ts\) under /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
