// Rules the real stack broke when it first ran on an engine (no registry, Compose v2), checked without one:
// each test names what a user would hit if the rule came back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '@covertype/testkit';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const YAML = createRequire(path.join(repoRoot, 'packages/mlflow-client/package.json'))('yaml') as {
  parse: (text: string, options?: { merge: boolean }) => unknown;
};
type Service = {
  image?: string;
  restart?: string;
  volumes?: string[];
  build?: { args?: Record<string, string> } | string;
  deploy?: { restart_policy?: unknown; resources?: { limits?: { memory?: unknown } } };
};
type Compose = { services: Record<string, Service> };
const base = () => YAML.parse(read('docker-compose.yaml'), { merge: true }) as Compose;
const overlay = () => YAML.parse(read('docker-compose.loadtest.yaml'), { merge: true }) as Compose;

/** Compose v2 if the engine has it, else Debian's docker-compose 1.29 (both merge files the same here). */
function composeConfig(
  files: string[],
): { status: number | null; stdout: string; stderr: string } | undefined {
  const v2 = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
  const v1 = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
  if (!v2 && !v1) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'compose-rules-'));
  try {
    const args = ['--env-file', path.join(repoRoot, '.env.example'), '--project-directory', repoRoot];
    files.forEach((file, i) => {
      // 1.29 predates the top-level `name:`; v2 reads the files as they are.
      const copy = path.join(dir, `${i}.yaml`);
      writeFileSync(copy, v2 ? read(file) : read(file).replace(/^name:.*$/m, ''));
      args.push('-f', copy);
    });
    const [cmd, pre] = v2 ? ['docker', ['compose']] : ['docker-compose', []];
    const res = spawnSync(cmd, [...pre, ...args, 'config'], { encoding: 'utf8', cwd: dir });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('no Dockerfile needs a registry before its first step (no `# syntax=` frontend image)', () => {
  for (const file of ['docker/node.Dockerfile', 'mlflow/Dockerfile']) {
    assert.doesNotMatch(
      read(file),
      /^#\s*syntax\s*=/im,
      `${file}: a syntax directive pulls docker/dockerfile first`,
    );
  }
});

test('every base image and package index can be pointed at a mirror', () => {
  for (const file of ['docker/node.Dockerfile', 'mlflow/Dockerfile']) {
    const froms = [...read(file).matchAll(/^FROM\s+(\S+)/gim)].map((m) => m[1] as string);
    assert.ok(froms.length > 0);
    for (const from of froms)
      assert.match(from, /^\$\{BASE_IMAGE_PREFIX\}/, `${file}: FROM ${from} ignores BASE_IMAGE_PREFIX`);
  }
  assert.match(read('mlflow/Dockerfile'), /PIP_INDEX_URL=\$\{PIP_INDEX_URL\}/);
  const services = base().services;
  for (const [name, service] of Object.entries(services)) {
    if (typeof service.build === 'object' && service.build.args) {
      assert.ok(
        'BASE_IMAGE_PREFIX' in service.build.args,
        `${name}: BASE_IMAGE_PREFIX is not passed to its build`,
      );
      if (name !== 'mlflow')
        assert.ok('NODE_VERSION' in service.build.args, `${name}: NODE_VERSION is not passed`);
    } else if (!service.build) {
      assert.match(
        service.image ?? '',
        /^\$\{[A-Z0-9_]+_IMAGE:-/,
        `${name}: image ${service.image} has no *_IMAGE variable`,
      );
    }
  }
  assert.match(overlay().services.k6?.image ?? '', /^\$\{K6_IMAGE:-grafana\/k6:/);
});

test('restart policies come from `restart:` alone (Compose v2 lets deploy.restart_policy override it)', async () => {
  for (const [name, service] of Object.entries(base().services)) {
    assert.equal(
      service.deploy?.restart_policy,
      undefined,
      `${name}: deploy.restart_policy would replace restart:`,
    );
    assert.ok(service.restart, `${name}: no restart: line`);
  }
  const { swarmRestartPolicy } = (await import(
    pathToFileURL(path.join(repoRoot, 'docker/stack.mjs')).href
  )) as {
    swarmRestartPolicy: (r: string) => { condition: string; max_attempts?: number };
  };
  assert.equal(swarmRestartPolicy('unless-stopped').condition, 'any');
  assert.deepEqual(swarmRestartPolicy('no'), { condition: 'on-failure', max_attempts: 3 });
  assert.throws(() => swarmRestartPolicy('sometimes'), /restart: sometimes has no Swarm equivalent/);
});

test('the load-test overlay keeps its 1536M per replica when .env comes from .env.example', (t) => {
  const res = composeConfig(['docker-compose.yaml', 'docker-compose.loadtest.yaml']);
  if (!res) return t.skip('neither docker compose (v2) nor docker-compose is installed');
  assert.equal(res.status, 0, res.stderr);
  const merged = YAML.parse(res.stdout) as Compose;
  const memory = merged.services['inference-api']?.deploy?.resources?.limits?.memory;
  // v2 writes bytes, 1.29 keeps the text.
  assert.ok(memory === '1536M' || Number(memory) === 1536 * 1024 * 1024, `overlay memory is ${memory}`);
});

test('k6 in the overlay reads the data where the stack keeps it (DATA_DIR, a volume or a host folder)', () => {
  const dataApi = base().services['data-api']?.volumes ?? [];
  const k6 = overlay().services.k6?.volumes ?? [];
  const source = (mounts: string[]) =>
    mounts.find((m) => /:\/data(:ro)?$/.test(m))?.replace(/:\/data(:ro)?$/, '');
  assert.ok(source(dataApi));
  assert.equal(source(k6), source(dataApi), 'k6 mounts another data source than the data API');
});

test('documented k6 runs keep the scaled replicas (`run --no-deps`)', () => {
  for (const file of [
    'docker-compose.loadtest.yaml',
    'loadtest/README.md',
    'docker/README.md',
    'README.md',
  ]) {
    const text = read(file).replace(/\\\n#?\s*/g, ' ');
    for (const line of text.split('\n').filter((l) => /\brun\b.*--rm\b.*\bk6\b/.test(l))) {
      assert.match(line, /--no-deps/, `${file}: "${line.trim()}" re-applies inference-api's replica count`);
    }
  }
});

// (The sweep checks its own SWEEP_SCENARIO against the same folder: loadtest/test/sweep-settings.test.ts.)
test('every k6 scenario the overlay and the docs name is a file in loadtest/scenarios', () => {
  const names = new Set<string>();
  for (const file of [
    'docker-compose.loadtest.yaml',
    '.env.example',
    'loadtest/README.md',
    'README.md',
    'docker/README.md',
  ]) {
    const text = read(file);
    for (const m of text.matchAll(/scenarios\/([\w-]+)\.ts/g)) names.add(m[1] as string);
    for (const m of text.matchAll(/(?:K6_SCENARIO|SWEEP_SCENARIO)(?::-|=)([\w-]+)/g))
      names.add(m[1] as string);
  }
  const missing = [...names].filter(
    (name) => !existsSync(path.join(repoRoot, 'loadtest/scenarios', `${name}.ts`)),
  );
  assert.deepEqual(missing, [], 'named as k6 scenarios but not in loadtest/scenarios');
  assert.ok(names.has('predict'));
});

test('the load balancer: nginx >= 1.27.3 by default, and POSTs retried on prediction routes only', () => {
  const image = /NGINX_IMAGE:-nginx:(\d+)\.(\d+)(?:\.(\d+))?/.exec(read('docker-compose.yaml'));
  assert.ok(image, 'no default NGINX_IMAGE');
  const version = [1, 2, 3].map((i) => Number(image[i] ?? 0)) as [number, number, number];
  const atLeast = (v: number[], min: number[]) =>
    v[0]! * 1e6 + v[1]! * 1e3 + v[2]! >= min[0]! * 1e6 + min[1]! * 1e3 + min[2]!;
  // A tag without patch level (1.28) is that line's latest release.
  assert.ok(
    atLeast(image[3] ? version : [version[0], version[1], 999], [1, 27, 3]),
    `nginx ${version.join('.')} lacks resolve`,
  );
  assert.match(read('docker-compose.yaml'), /nginx >= 1\.27\.3.*\n.*wget/);
  const conf = read('loadbalancer/nginx.conf');
  const locations = [...conf.matchAll(/location\s+([^{]+)\{([^}]*)\}/g)].map((m) => ({
    match: (m[1] as string).trim(),
    body: m[2] as string,
  }));
  const nonIdempotent = locations.filter((l) => /proxy_next_upstream [^;]*non_idempotent/.test(l.body));
  const retrying = nonIdempotent.filter((l) => !l.match.startsWith('@'));
  assert.equal(retrying.length, 1, 'exactly one location retries non-idempotent requests');
  // A named location that passes a POST again is reached only from the predictions' error_page.
  for (const named of nonIdempotent.filter((l) => l.match.startsWith('@'))) {
    const from = locations.filter((l) => new RegExp(`error_page [^;]*= ?${named.match};`).test(l.body));
    assert.deepEqual(
      from.map((l) => l.match),
      [retrying[0]?.match],
      `${named.match} passes non-idempotent requests again for other locations than the predictions'`,
    );
  }
  const pattern = new RegExp((retrying[0]?.match ?? '').replace(/^~\s*/, ''));
  for (const route of [
    '/predict',
    '/predict/batch',
    '/invocations',
    '/v2/models/covertype/infer',
    '/v2/models/covertype/versions/3/infer',
  ])
    assert.match(route, pattern, `${route} is not retried on another replica`);
  for (const route of ['/models', '/metrics', '/docs', '/v2/models/covertype'])
    assert.doesNotMatch(route, pattern, `${route} would be retried although it is no prediction`);
});
