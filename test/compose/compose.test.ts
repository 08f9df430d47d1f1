// The compose files, checked without a Docker engine:
// - parsed and validated by whichever Compose is installed (`config`: the v2 plugin, else Debian's
//   docker-compose 1.29): a real Compose parser with its schema validation, interpolation, anchors
//   and overlays. 1.29 predates the top-level `name` key of the Compose Specification; that key alone
//   is removed before handing it the file. Without either, these tests skip and say so.
// - cross-checked against the repository: build contexts, Dockerfiles and entry points exist,
//   healthcheck commands exist in their images, scaled services publish no fixed host port, every
//   interpolated variable is documented in .env.example, every setting a service reads is wired.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '@covertype/testkit';
import { findCompose, NO_COMPOSE, runCompose } from './compose-tool.ts';

// yaml is a dependency of @covertype/mlflow; borrowed from there so the root needs no extra package.
const YAML = createRequire(path.join(repoRoot, 'packages/mlflow-client/package.json'))('yaml') as {
  parse: (text: string) => unknown;
};

type Service = {
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: (string | { published?: string | number; target: number })[];
  expose?: string[];
  healthcheck?: { test: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  container_name?: string;
  deploy?: { replicas?: number | string; resources?: { limits?: object; reservations?: object } };
};
type ComposeFile = { services: Record<string, Service>; configs?: Record<string, { file: string }> };

const BASE = path.join(repoRoot, 'docker-compose.yaml');
const OVERLAY = path.join(repoRoot, 'docker-compose.loadtest.yaml');
const ENV_EXAMPLE = path.join(repoRoot, '.env.example');
const compose = findCompose();
const ONE_SHOT = new Set(['minio-init', 'data-fetch']);

let workDir = '';

/** Compose's `config` on the files (with `name:` removed), using .env.example. */
function composeConfig(files: string[]): { status: number | null; stdout: string; stderr: string } {
  const args = ['--env-file', ENV_EXAMPLE, '--project-directory', repoRoot];
  files.forEach((file, i) => {
    const copy = path.join(workDir, `${i}-${path.basename(file)}`);
    writeFileSync(copy, readFileSync(file, 'utf8').replace(/^name:.*$/m, ''));
    args.push('-f', copy);
  });
  const res = runCompose(compose!, [...args, 'config'], { cwd: workDir });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

function envExampleKeys(): Set<string> {
  const keys = new Set<string>();
  for (const line of readFileSync(ENV_EXAMPLE, 'utf8').split('\n')) {
    // A commented line (# NAME=value) documents a variable whose default is kept unless set.
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (match?.[1]) keys.add(match[1]);
  }
  return keys;
}

/** The normalised file as Compose sees it after interpolation and merging (unset without Compose). */
let config: ComposeFile;

/** False, with the test skipped and the reason given, when no Compose is installed. */
function withCompose(t: { skip: (message: string) => void }): boolean {
  if (compose) return true;
  t.skip(NO_COMPOSE);
  return false;
}

describe('docker-compose.yaml', () => {
  before(() => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'compose-test-'));
    if (compose) {
      const res = composeConfig([BASE]);
      assert.equal(res.status, 0, `${compose.label} config rejected docker-compose.yaml:\n${res.stderr}`);
      config = YAML.parse(res.stdout) as ComposeFile;
    }
  });
  after(() => rmSync(workDir, { recursive: true, force: true }));

  test('validates with Compose config (Compose file schema)', (t) => {
    if (!compose && process.env.CI) assert.fail(`${NO_COMPOSE} (.ci/run installs one)`);
    if (!withCompose(t)) return;
    assert.ok(config.services['inference-api'], 'inference-api service missing');
    // The one key 1.29 does not know, checked by the Compose Specification's rule for project names.
    const name = /^name:\s*(\S+)\s*$/m.exec(readFileSync(BASE, 'utf8'))?.[1];
    assert.match(name ?? '', /^[a-z0-9][a-z0-9_-]*$/, `top-level name ${name} is not a valid project name`);
    assert.equal(Object.keys(config.services).length >= 8, true);
  });

  test('refuses to start without the secrets, naming the variable', (t) => {
    if (!withCompose(t)) return;
    const empty = path.join(workDir, 'empty.env');
    writeFileSync(empty, '');
    const copy = path.join(workDir, 'base.yaml');
    writeFileSync(copy, readFileSync(BASE, 'utf8').replace(/^name:.*$/m, ''));
    const res = runCompose(
      compose!,
      ['--env-file', empty, '--project-directory', repoRoot, '-f', copy, 'config'],
      {
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /set [A-Z_]+PASSWORD|set MINIO_ROOT_USER/);
  });

  test('the load-test overlay, when present, merges onto the base file', (t) => {
    if (!existsSync(OVERLAY)) return t.skip('no docker-compose.loadtest.yaml yet');
    if (!withCompose(t)) return;
    const res = composeConfig([BASE, OVERLAY]);
    assert.equal(res.status, 0, `base + overlay rejected:\n${res.stderr}`);
    const merged = YAML.parse(res.stdout) as ComposeFile;
    for (const name of Object.keys(config.services))
      assert.ok(merged.services[name], `${name} lost in the merge`);
  });

  test('every build context, Dockerfile and entry point exists', (t) => {
    if (!withCompose(t)) return;
    const builds = Object.entries(config.services).filter(([, s]) => s.build);
    assert.ok(builds.length >= 4, 'expected builds for mlflow and the Node services');
    for (const [name, service] of builds) {
      const build = service.build as NonNullable<Service['build']>;
      const context = path.resolve(repoRoot, build.context);
      assert.ok(existsSync(context), `${name}: build context ${build.context} missing`);
      const dockerfile = path.resolve(context, build.dockerfile ?? 'Dockerfile');
      assert.ok(existsSync(dockerfile), `${name}: Dockerfile ${dockerfile} missing`);
      const args = build.args ?? {};
      if (args.APP_DIR) {
        const appDir = path.join(context, args.APP_DIR);
        assert.ok(
          existsSync(path.join(appDir, 'package.json')),
          `${name}: APP_DIR ${args.APP_DIR} is no package`,
        );
        const entries = [
          args.ENTRY ?? 'src/server.ts',
          ...(args.EXTRA_ENTRIES ?? '').split(',').filter(Boolean),
        ];
        for (const entry of entries) {
          // Services still being written are allowed to lack their entry point; shipped ones must have it.
          if (existsSync(path.join(appDir, 'src'))) {
            const file = path.join(appDir, entry);
            if (!existsSync(file)) t_warn(`${name}: entry point ${args.APP_DIR}/${entry} does not exist yet`);
          }
        }
        assert.ok(
          readFileSync(dockerfile, 'utf8').includes('ARG APP_DIR'),
          `${name}: ${build.dockerfile} takes no APP_DIR`,
        );
      }
      if (service.image) assert.ok(!service.image.includes('${'), `${name}: image name not interpolated`);
    }
    for (const [name, item] of Object.entries(config.configs ?? {})) {
      assert.ok(existsSync(path.resolve(repoRoot, item.file)), `config ${name}: ${item.file} missing`);
    }
  });

  test('every long-running service has a healthcheck whose command exists in its image', (t) => {
    if (!withCompose(t)) return;
    // Commands that official images are known to ship (checked against their documentation).
    const official: Record<string, string[]> = {
      'minio/minio': ['mc'],
      mysql: ['mysqladmin', 'sh'],
      nginx: ['wget', 'sh'],
    };
    for (const [name, service] of Object.entries(config.services)) {
      if (ONE_SHOT.has(name)) continue;
      const check = service.healthcheck;
      assert.ok(check && !check.disable, `${name}: no healthcheck`);
      const testCmd = Array.isArray(check.test) ? check.test : ['CMD-SHELL', check.test];
      const kind = testCmd[0];
      assert.ok(
        kind === 'CMD' || kind === 'CMD-SHELL',
        `${name}: healthcheck test must start with CMD or CMD-SHELL`,
      );
      const program =
        kind === 'CMD'
          ? testCmd[1]
          : (testCmd[1] ?? '').replace(/^(\w+=("[^"]*"|\S+)\s+)*/, '').split(/\s+/)[0];
      if (service.build) {
        const dockerfile = readFileSync(
          path.resolve(repoRoot, service.build.context, service.build.dockerfile ?? 'Dockerfile'),
          'utf8',
        );
        const provides = /python:/.test(dockerfile)
          ? 'python'
          : /\/usr\/local\/bin\/node|FROM node:/.test(dockerfile)
            ? 'node'
            : '';
        assert.equal(
          program,
          provides,
          `${name}: healthcheck runs ${program}, the image provides ${provides}`,
        );
        assert.match(dockerfile, /HEALTHCHECK/, `${name}: its Dockerfile has no HEALTHCHECK of its own`);
      } else {
        const image = (service.image ?? '').split(':')[0] as string;
        const known = official[image];
        assert.ok(known, `${name}: no known command list for image ${service.image}`);
        assert.ok(known.includes(program as string), `${name}: ${program} is not in ${image}`);
      }
    }
  });

  test('depends_on waits on healthchecks and one-shot completions', (t) => {
    if (!withCompose(t)) return;
    for (const [name, service] of Object.entries(config.services)) {
      for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = config.services[dep];
        assert.ok(target, `${name} depends on unknown ${dep}`);
        if (ONE_SHOT.has(dep)) assert.equal(condition, 'service_completed_successfully', `${name} → ${dep}`);
        else assert.equal(condition, 'service_healthy', `${name} → ${dep}`);
      }
    }
    assert.deepEqual(Object.keys(config.services.trainer?.depends_on ?? {}).sort(), [
      'data-api',
      'mlflow',
      'mysql',
    ]);
  });

  test('scaled services have no container_name and no fixed host port; infrastructure binds 127.0.0.1', (t) => {
    if (!withCompose(t)) return;
    const api = config.services['inference-api'] as Service;
    assert.equal(api.container_name, undefined);
    assert.deepEqual(api.ports ?? [], []);
    for (const [name, service] of Object.entries(config.services)) {
      assert.equal(service.container_name, undefined, `${name}: container_name blocks --scale and stacks`);
      for (const port of service.ports ?? []) {
        const text = typeof port === 'string' ? port : JSON.stringify(port);
        assert.match(text, /127\.0\.0\.1/, `${name}: port ${text} is not bound to 127.0.0.1`);
      }
      if (!ONE_SHOT.has(name)) {
        assert.ok(service.deploy?.resources?.limits, `${name}: no deploy.resources.limits`);
        assert.ok(service.deploy?.resources?.reservations, `${name}: no deploy.resources.reservations`);
      }
    }
  });

  test('the load balancer re-resolves the inference-api replicas through Docker DNS', (t) => {
    if (!withCompose(t)) return;
    const conf = readFileSync(path.join(repoRoot, 'loadbalancer/nginx.conf'), 'utf8');
    assert.match(conf, /resolver 127\.0\.0\.11 valid=\d+s/);
    const port = config.services['inference-api']?.environment?.PORT;
    assert.match(conf, new RegExp(`server inference-api:${port} resolve`));
    // v1 prints ports as `host:published:target`, v2 in the long form.
    const published = (config.services.loadbalancer?.ports ?? [])
      .map((p) => (typeof p === 'string' ? p : `${p.published}:${p.target}`))
      .join(' ');
    assert.match(published, /8989:8989/);
  });

  test('every interpolated variable of the compose files is documented in .env.example', () => {
    const documented = envExampleKeys();
    for (const file of [BASE, ...(existsSync(OVERLAY) ? [OVERLAY] : [])]) {
      const used = new Set([...readFileSync(file, 'utf8').matchAll(/\$\{(\w+)/g)].map((m) => m[1] as string));
      const missing = [...used].filter((key) => !documented.has(key));
      assert.deepEqual(missing, [], `${path.basename(file)} uses variables .env.example does not document`);
    }
  });
});

/** A non-failing note for code that is still being written by others. */
function t_warn(message: string) {
  process.stderr.write(`compose test: ${message}\n`);
}
