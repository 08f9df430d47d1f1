// docker/stack.mjs adapts the Compose file for `docker stack deploy` (Swarm's 3.x loader): no `name`,
// no `build`, list-form depends_on, no machine-local ports, 3.x value types. Checked on the model
// docker-compose produces from docker-compose.yaml with .env.example.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '@covertype/testkit';

const YAML = createRequire(path.join(repoRoot, 'packages/mlflow-client/package.json'))('yaml') as {
  parse: (text: string) => unknown;
};
type StackService = {
  image?: string;
  build?: unknown;
  restart?: string;
  depends_on?: unknown;
  ports?: { published?: number; target: number; host_ip?: string }[];
  deploy?: { replicas?: unknown; resources?: { limits?: Record<string, unknown> } };
};
type Stack = { version: string; name?: string; services: Record<string, StackService> };
const stackModule = pathToFileURL(path.join(repoRoot, 'docker/stack.mjs')).href;
const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

test('docker/stack.mjs turns the compose file into a Swarm stack file', async (t) => {
  if (!hasDockerCompose) return t.skip('docker-compose not installed');
  const { toStack } = (await import(stackModule)) as { toStack: (config: unknown) => Stack };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-test-'));
  try {
    const base = path.join(dir, 'base.yaml');
    writeFileSync(
      base,
      readFileSync(path.join(repoRoot, 'docker-compose.yaml'), 'utf8').replace(/^name:.*$/m, ''),
    );
    const args = ['--env-file', path.join(repoRoot, '.env.example'), '--project-directory', repoRoot];
    const res = spawnSync('docker-compose', [...args, '-f', base, 'config'], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const stack = toStack(YAML.parse(res.stdout));

    assert.equal(stack.version, '3.9');
    assert.equal(stack.name, undefined);
    for (const [name, service] of Object.entries(stack.services)) {
      assert.ok(service.image, `${name}: no image`);
      assert.equal(service.build, undefined, `${name}: build left in`);
      assert.equal(service.restart, undefined, `${name}: restart left in`);
      if (service.depends_on !== undefined)
        assert.ok(Array.isArray(service.depends_on), `${name}: depends_on`);
      for (const port of service.ports ?? []) assert.equal(port.host_ip, undefined);
      for (const [key, value] of Object.entries(service.deploy?.resources?.limits ?? {})) {
        assert.equal(typeof value, 'string', `${name}: limits.${key} must be a string for Swarm`);
      }
    }
    assert.deepEqual([...((stack.services.trainer?.depends_on as string[]) ?? [])].sort(), [
      'data-api',
      'mlflow',
      'mysql',
    ]);
    // Only the load balancer is published in a cluster; 127.0.0.1-bound infrastructure ports are not.
    const published = Object.entries(stack.services)
      .filter(([, s]) => s.ports?.length)
      .map(([n]) => n);
    assert.deepEqual(published, ['loadbalancer']);
    assert.deepEqual(stack.services.loadbalancer?.ports, [
      { published: 8989, target: 8989, protocol: 'tcp' },
    ]);
    assert.equal(stack.services['inference-api']?.deploy?.replicas, 1);

    // The result is still a Compose file a validator accepts.
    const out = path.join(dir, 'stack.json');
    writeFileSync(out, JSON.stringify(stack));
    const check = spawnSync('docker-compose', [...args, '-f', out, 'config', '-q'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a service without an image is refused with its name', async () => {
  const { toStack } = (await import(stackModule)) as { toStack: (config: unknown) => Stack };
  assert.throws(
    () => toStack({ services: { web: { build: { context: '.' } } } }),
    /web: a stack needs an image/,
  );
});
