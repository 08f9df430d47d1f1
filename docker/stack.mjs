#!/usr/bin/env node
// Turns docker-compose.yaml into a file `docker stack deploy` accepts:
//   set -a; . ./.env; set +a
//   node docker/stack.mjs > docker-stack.json && docker stack deploy -c docker-stack.json covertype
// Why: Swarm's loader (docker/cli, schema 3.x) rejects the Compose Specification's long `depends_on`
// (moby/moby#46827) and the top-level `name`, ignores `build` and `restart`, and publishes ports on
// every node's every interface (no host_ip). The Compose file stays the single source; this adapts
// `docker compose config` (interpolated with .env) to what Swarm understands.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LOCAL_ONLY = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * @param {any} config the normalised Compose model (`docker compose config --format json`).
 * @param {{ publish?: string[] }} options services whose ports are published on the cluster whatever
 *   their host address in the Compose file (the entry point); others keep only non-local ports.
 */
export function toStack(config, { publish = ['loadbalancer'] } = {}) {
  const services = {};
  for (const [name, source] of Object.entries(config.services ?? {})) {
    const { build, restart, container_name, pull_policy, depends_on, ports, deploy, ...service } = source;
    if (!service.image) throw new Error(`${name}: a stack needs an image name (build + push it first)`);
    if (depends_on) {
      // Kept as the list form for the reader; Swarm itself starts everything and lets restart_policy retry.
      service.depends_on = Array.isArray(depends_on) ? depends_on : Object.keys(depends_on);
    }
    // Ports meant for this machine only (infrastructure on 127.0.0.1) are not published in a cluster;
    // STACK_PUBLISH (comma-separated service names) lists the entry points that are.
    const published = (ports ?? [])
      .map((port) => (typeof port === 'string' ? parseShortPort(port) : port))
      .filter((port) => publish.includes(name) || !LOCAL_ONLY.has(port.host_ip ?? ''))
      .map(({ host_ip, ...port }) => ({
        ...port,
        ...(port.published !== undefined ? { published: Number(port.published) } : {}),
      }));
    if (published.length) service.ports = published;
    const restartPolicy = swarmRestartPolicy(restart);
    if (deploy || restartPolicy)
      service.deploy = v3Deploy({ ...(restartPolicy ? { restart_policy: restartPolicy } : {}), ...deploy });
    services[name] = service;
  }
  const { name, services: _, ...rest } = config;
  return { version: '3.9', ...rest, services };
}

/**
 * Swarm ignores `restart:`; its deploy.restart_policy is derived here rather than written in the Compose file,
 * because Compose v2 lets deploy.restart_policy override `restart:` (unless-stopped would run as always).
 * One-shots (`restart: 'no'`) get a few retries on failure: Swarm gives no start-up order to wait for.
 */
export function swarmRestartPolicy(restart) {
  if (restart === undefined) return undefined;
  if (restart === 'always' || restart === 'unless-stopped') return { condition: 'any', delay: '5s' };
  const onFailure = /^on-failure(?::(\d+))?$/.exec(restart);
  if (onFailure)
    return { condition: 'on-failure', ...(onFailure[1] ? { max_attempts: Number(onFailure[1]) } : {}) };
  if (restart === 'no' || restart === false) return { condition: 'on-failure', max_attempts: 3 };
  throw new Error(`restart: ${restart} has no Swarm equivalent`);
}

function parseShortPort(text) {
  const protocol = /\/(tcp|udp)$/.exec(text)?.[1] ?? 'tcp';
  const parts = text.replace(/\/(tcp|udp)$/, '').split(':');
  const target = Number(parts.at(-1));
  if (parts.length === 3) return { host_ip: parts[0], published: parts[1], target, protocol };
  if (parts.length === 2) return { published: parts[0], target, protocol };
  return { target, protocol };
}

/** Schema 3.x wants cpus and memory as strings and replicas as a number. */
function v3Deploy(deploy) {
  const out = { ...deploy };
  if (out.replicas !== undefined) out.replicas = Number(out.replicas);
  if (out.resources) {
    out.resources = Object.fromEntries(
      Object.entries(out.resources).map(([kind, limits]) => [
        kind,
        Object.fromEntries(
          Object.entries(limits ?? {}).map(([key, value]) => [
            key,
            key === 'cpus' || key === 'memory' ? String(value) : value,
          ]),
        ),
      ]),
    );
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const res = spawnSync('docker', ['compose', '-f', 'docker-compose.yaml', 'config', '--format', 'json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (res.status !== 0) {
    process.stderr.write(
      `stack: docker compose config failed (Compose v2 needed):\n${res.stderr ?? res.error}\n`,
    );
    process.exit(1);
  }
  const publish = (process.env.STACK_PUBLISH ?? 'loadbalancer').split(',').filter(Boolean);
  process.stdout.write(`${JSON.stringify(toStack(JSON.parse(res.stdout), { publish }), null, 2)}\n`);
}
