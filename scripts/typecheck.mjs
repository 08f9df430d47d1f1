#!/usr/bin/env node
// Type-checks the workspace: `tsc -b` over the solution in tsconfig.json (one project per workspace folder and
// test/, each with its own types, so one package's ambient types never reach another's files), then the k6
// scripts with loadtest/tsconfig.k6.json. A workspace folder without a tsconfig.json, or one the solution does
// not list, is an error, so a new package cannot go unchecked. Build info and declarations go to
// node_modules/.cache/tsc, so an unchanged project is not checked again.
// Usage: node scripts/typecheck.mjs [--verbose]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';

const root = path.resolve(import.meta.dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const folders = (
  await fg(
    ['packages/*/package.json', 'services/*/package.json', 'dags/package.json', 'loadtest/package.json'],
    {
      cwd: root,
    },
  )
).map((file) => path.dirname(file));
folders.push('test');
// tsconfig.json allows comments; the solution's references are simple enough to find by pattern.
const solution = readFileSync(path.join(root, 'tsconfig.json'), 'utf8');
const listed = new Set([...solution.matchAll(/"path":\s*"([^"]+)"/g)].map((m) => m[1]));
const problems = [
  ...folders
    .filter((dir) => !existsSync(path.join(root, dir, 'tsconfig.json')))
    .map((dir) => `${dir} has no tsconfig.json (extend the repository's tsconfig.base.json)`),
  ...folders.filter((dir) => !listed.has(dir)).map((dir) => `${dir} is not in tsconfig.json's references`),
  ...[...listed]
    .filter((dir) => !existsSync(path.join(root, dir, 'tsconfig.json')))
    .map((dir) => `tsconfig.json references ${dir}, which has no tsconfig.json`),
];
if (problems.length) {
  for (const problem of problems) console.error(`typecheck: ${problem}`);
  process.exit(1);
}

const verbose = process.argv.includes('--verbose') ? ['--verbose'] : [];
// The k6 check is independent of the solution: run it beside tsc -b (each tsc is single-threaded).
const codes = await Promise.all(
  [
    ['-b', 'tsconfig.json', ...verbose],
    ['-p', 'loadtest/tsconfig.k6.json', '--noEmit'],
  ].map(
    (args) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' });
        child.on('close', (code) => resolve(code ?? 1));
      }),
  ),
);
process.exit(codes.find((code) => code !== 0) ?? 0);
