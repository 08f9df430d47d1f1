#!/usr/bin/env node
// One test runner for the whole workspace: node:test with TypeScript through tsx.
// Node 20's --test does not expand globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [dir ...]   (default: the whole workspace)
import { spawn } from 'node:child_process';
import path from 'node:path';
import fg from 'fast-glob';

const roots = process.argv.slice(2);
const patterns = (roots.length ? roots : ['.']).map((root) => {
  const dir = root.replaceAll('\\', '/').replace(/\/+$/, '');
  // A test folder given by name (e.g. the root `test/`) holds its tests directly.
  return path.posix.join(dir, path.posix.basename(dir) === 'test' ? '**/*.test.ts' : '**/test/**/*.test.ts');
});
const files = (await fg(patterns, { ignore: ['**/node_modules/**', '**/dist/**'] })).sort();
if (files.length === 0) {
  console.error(`no test files under ${patterns.join(', ')}`);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
