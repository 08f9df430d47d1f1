// Static checks of the Dockerfiles (no engine here): non-root final stage, a HEALTHCHECK, COPY sources
// that exist in the build context and are not excluded by .dockerignore, and the Node image's rules.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@covertype/testkit';

/** Instructions of the last stage, with line continuations joined. */
function finalStage(text: string): string[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  return lines.slice(lastFrom);
}

function ignoredBy(context: string): (file: string) => boolean {
  const ignoreFile = path.join(context, '.dockerignore');
  if (!existsSync(ignoreFile)) return () => false;
  const patterns = readFileSync(ignoreFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
  const toRegex = (p: string) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]]/g, '\\$&')
        .replace(/\*\*\//g, '@@')
        .replace(/\*/g, '[^/]*')
        .replace(/@@/g, '(.*/)?')}(/.*)?$`,
    );
  const regexes = patterns.map(toRegex);
  return (file) => regexes.some((r) => r.test(file));
}

const images = [
  { dockerfile: 'docker/node.Dockerfile', context: '.' },
  { dockerfile: 'mlflow/Dockerfile', context: 'mlflow' },
];

for (const { dockerfile, context } of images) {
  test(`${dockerfile}: non-root, healthcheck, COPY sources in the context`, () => {
    const text = readFileSync(path.join(repoRoot, dockerfile), 'utf8');
    const stage = finalStage(text);
    const user = stage.filter((l) => /^USER\s/i.test(l)).at(-1);
    assert.ok(user, 'the final stage sets no USER (runs as root)');
    assert.doesNotMatch(user, /^USER\s+(root|0)(\s|:|$)/i);
    assert.ok(
      stage.some((l) => /^HEALTHCHECK\s+.*CMD/i.test(l)),
      'no HEALTHCHECK in the final stage',
    );

    const ctx = path.join(repoRoot, context);
    const ignored = ignoredBy(ctx);
    for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
      const match = /^\s*COPY\s+(.*)$/i.exec(line);
      if (!match || /--from=/.test(match[1] as string)) continue;
      const args = (match[1] as string).split(/\s+/).filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) {
        if (source === '.') continue;
        assert.ok(existsSync(path.join(ctx, source)), `${dockerfile}: COPY ${source} is not in ${context}/`);
        assert.equal(ignored(source), false, `${dockerfile}: COPY ${source} is excluded by .dockerignore`);
      }
    }
  });
}

test('the Node image: current LTS base, no onnxruntime download, the bundle it builds is what it runs', () => {
  const text = readFileSync(path.join(repoRoot, 'docker/node.Dockerfile'), 'utf8');
  const nodeVersion = Number(/^ARG NODE_VERSION=(\d+)/m.exec(text)?.[1]);
  assert.ok(nodeVersion >= 22 && nodeVersion % 2 === 0, `NODE_VERSION=${nodeVersion} is not a current LTS`);
  assert.match(text, /FROM \$\{BASE_IMAGE_PREFIX\}node:\$\{NODE_VERSION\}-\$\{DEBIAN_RELEASE\}-slim/);
  assert.match(text, /ONNXRUNTIME_NODE_INSTALL=skip/);
  assert.match(text, /pnpm install --frozen-lockfile/);
  assert.match(text, /CMD \["node", "dist\/main\.mjs"\]/);
  assert.match(
    readFileSync(path.join(repoRoot, 'docker/bundle.mjs'), 'utf8'),
    /main: path\.join\(appRoot, entry\)/,
  );
  // The context keeps the workspace small: no node_modules, no git history, no local .env.
  const ignored = ignoredBy(repoRoot);
  for (const heavy of ['node_modules', 'services/data-api/node_modules', '.git', '.env', '.data']) {
    assert.ok(ignored(heavy), `.dockerignore lets ${heavy} into the build context`);
  }
  for (const needed of [
    'pnpm-lock.yaml',
    'package.json',
    '.npmrc',
    'docker/bundle.mjs',
    'services/data-api/src',
  ]) {
    assert.equal(ignored(needed), false, `.dockerignore excludes ${needed}, which the build needs`);
  }
});
