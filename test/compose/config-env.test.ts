// Every setting a service's config schema reads must be wired into its compose service (set, or passed
// through as ${VAR:-} so .env can change it), so no knob silently keeps a default the user cannot see.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '@covertype/testkit';

const YAML = createRequire(path.join(repoRoot, 'packages/mlflow-client/package.json'))('yaml') as {
  parse: (text: string, options?: object) => unknown;
};
type Compose = { services: Record<string, { environment?: Record<string, unknown> }> };
const compose = YAML.parse(readFileSync(path.join(repoRoot, 'docker-compose.yaml'), 'utf8'), {
  merge: true,
}) as Compose;

/** Keys of every zod object a module exports directly or through a schema factory. */
async function schemaKeys(file: string): Promise<string[]> {
  const mod = (await import(pathToFileURL(path.join(repoRoot, file)).href)) as Record<string, unknown>;
  const keys = new Set<string>();
  for (const [name, value] of Object.entries(mod)) {
    const candidate =
      typeof value === 'function' && /schema/i.test(name) ? (value as () => unknown)() : value;
    const shape = (candidate as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (shape && typeof shape === 'object' && /schema/i.test(name))
      for (const key of Object.keys(shape)) keys.add(key);
  }
  return [...keys];
}

const services: { service: string; configs: string[]; notForCompose?: string[] }[] = [
  { service: 'data-api', configs: ['services/data-api/src/config.ts'] },
  {
    service: 'inference-api',
    configs: ['services/inference-api/src/config.ts', 'packages/mlflow-client/src/config.ts'],
  },
  {
    service: 'trainer',
    configs: ['services/trainer/src/config.ts', 'packages/mlflow-client/src/config.ts'],
  },
];

for (const { service, configs } of services) {
  test(`${service}: every variable its config reads is set in docker-compose.yaml`, async (t) => {
    const present = configs.filter((file) => existsSync(path.join(repoRoot, file)));
    if (present.length < configs.length) return t.skip(`${configs.join(', ')} not all written yet`);
    const env = compose.services[service]?.environment ?? {};
    const keys = (await Promise.all(present.map(schemaKeys))).flat();
    assert.ok(keys.length > 3, `found no config schema in ${present.join(', ')}`);
    const missing = keys.filter((key) => !(key in env));
    assert.deepEqual(missing, [], `${service}: settings read by its config but not wired in compose`);
  });
}
