#!/usr/bin/env node
// One test runner for the whole workspace: node:test with TypeScript through tsx.
// Node 20's --test does not expand globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [folder-or-file ...]   (default: the whole workspace)
// A folder runs every *.test.ts below it, whatever the folder is called (services/data-api, test/compose).
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import fg from 'fast-glob';

const roots = process.argv.slice(2);
const patterns = [];
for (const root of roots.length ? roots : ['.']) {
  const target = root.replaceAll('\\', '/').replace(/(.)\/+$/, '$1');
  if (!existsSync(target)) {
    console.error(`run-tests: ${root} does not exist`);
    process.exit(1);
  }
  patterns.push(
    statSync(target).isDirectory() ? `${fg.escapePath(target)}/**/*.test.ts` : fg.escapePath(target),
  );
}
const files = (await fg(patterns, { ignore: ['**/node_modules/**', '**/dist/**'] })).sort();
if (files.length === 0) {
  console.error(`run-tests: no test files (*.test.ts) under ${roots.join(', ') || '.'}`);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
