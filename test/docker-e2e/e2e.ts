// The real stack on a real Docker engine, end to end (`pnpm e2e:docker`; .ci/run runs it):
// builds our images from this checkout and the test stand-ins for the third-party ones (images/), brings
// the product's docker-compose.yaml up with compose.e2e.yaml on top, waits for the champion, then checks
// through 127.0.0.1: /docs, /predict, /invocations, V2; `--scale inference-api=3` with all 3 replicas
// serving; limits and restart policies as the compose file declares; the load-test overlay's k6 service
// sees the data and leaves the replicas alone; a killed replica and a 3 → 1 scale-down under steady load
// lose no request; `down -v` leaves nothing of the project. A report (figures) goes to results/<time>/.
// Stops by itself (E2E_TIMEOUT_S, default 1800) and removes the stack on success, failure or Ctrl-C.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dataFile, freePort, repoRoot } from '@covertype/testkit';
import { parseStats } from '../../loadtest/sweep/docker-stats.ts';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const started = Date.now();
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = path.join(here, 'results', stamp);
const project = `covertype-e2e-${randomBytes(3).toString('hex')}`;
const PREFIX = 'covertype-e2e/';
const timeoutMs = Number(process.env.E2E_TIMEOUT_S ?? 1800) * 1000;
const DATA_ROWS = Number(process.env.E2E_DATA_ROWS ?? 20_000);

const checks: { name: string; ok: boolean; detail: string }[] = [];
const figures: Record<string, unknown> = { project };
const log = (line: string) => console.log(`e2e: ${line}`);

function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  if (!ok) throw new Error(`${name}: ${detail}`);
}

async function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  try {
    return await execFileP(cmd, args, {
      cwd: repoRoot,
      env: opts.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 20 * 60_000,
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message.split('\n')[0]}\n${tail}`);
  }
}

const docker = (...args: string[]) => run('docker', args);
const envFile = path.join(resultsDir, 'e2e.env');
const composeFiles = ['-f', 'docker-compose.yaml', '-f', 'test/docker-e2e/compose.e2e.yaml'];
const compose = (...args: string[]) =>
  run('docker', ['compose', '-p', project, '--env-file', envFile, ...composeFiles, ...args]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secondsSince = (t: number) => Math.round((Date.now() - t) / 100) / 10;

/** The first DATA_ROWS rows of the covertype CSV in a host folder: the documented DATA_DIR setup. */
async function writeSmallData(target: string): Promise<string> {
  mkdirSync(target, { recursive: true });
  const source = dataFile('covertype.csv');
  const lines: string[] = [];
  const rl = createInterface({ input: createReadStream(source) });
  for await (const line of rl) {
    lines.push(line);
    if (lines.length > DATA_ROWS) break;
  }
  rl.close();
  writeFileSync(path.join(target, 'covertype.csv'), `${lines.join('\n')}\n`);
  chmodSync(target, 0o755);
  return lines[1] ?? '';
}

function rowFromCsv(header: string, line: string): Record<string, number | string> {
  const keys = header.split(',');
  const values = line.split(',');
  const row: Record<string, number | string> = {};
  keys.forEach((key, i) => {
    if (key === 'Cover_Type') return;
    const v = values[i] ?? '';
    row[key] = key === 'Wilderness_Area' ? v : Number(v);
  });
  return row;
}

async function buildImages(): Promise<void> {
  const t = Date.now();
  // The MLflow stand-in: the in-repo test server bundled into its build context.
  const mlflowContext = path.join(resultsDir, 'mlflow-image');
  mkdirSync(mlflowContext, { recursive: true });
  writeFileSync(
    path.join(mlflowContext, 'Dockerfile'),
    readFileSync(path.join(here, 'images/mlflow/Dockerfile')),
  );
  const { createRequire } = await import('node:module');
  const rootRequire = createRequire(path.join(repoRoot, 'package.json'));
  const esbuild = createRequire(rootRequire.resolve('tsx/package.json'))('esbuild') as {
    build: (o: object) => Promise<unknown>;
  };
  await esbuild.build({
    entryPoints: [path.join(here, 'images/mlflow/server.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: path.join(mlflowContext, 'server.mjs'),
    banner: {
      js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const standIns: [string, string][] = [
    ['mariadb', path.join(here, 'images/mariadb')],
    ['s3', path.join(here, 'images/s3')],
    ['nginx', path.join(here, 'images/nginx')],
    ['mlflow', mlflowContext],
  ];
  for (const [name, context] of standIns) {
    await run('docker', ['build', '-q', '-t', `${PREFIX}${name}:test`, context], {
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    });
  }
  figures.standInBuildSeconds = secondsSince(t);
  const t2 = Date.now();
  await compose('build');
  figures.productBuildSeconds = secondsSince(t2);
  log(`images built: stand-ins ${figures.standInBuildSeconds} s, ours ${figures.productBuildSeconds} s`);
}

interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  failures: string[];
  upstreams: Map<string, number>;
}

/** Steady /predict traffic to 127.0.0.1 from `concurrency` loops until stop() or maxMs (bounded either way). */
function startLoad(base: string, row: object, concurrency: number, maxMs: number) {
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, failures: [], upstreams: new Map() };
  let stopped = false;
  const deadline = Date.now() + maxMs;
  const body = JSON.stringify(row);
  const loop = async () => {
    while (!stopped && Date.now() < deadline && result.sent < 200_000) {
      result.sent++;
      try {
        const res = await fetch(`${base}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        const upstream = res.headers.get('x-upstream') ?? '?';
        result.upstreams.set(upstream, (result.upstreams.get(upstream) ?? 0) + 1);
        if (res.status === 200) result.ok++;
        else {
          result.failed++;
          if (result.failures.length < 10) result.failures.push(`HTTP ${res.status} via ${upstream}`);
        }
      } catch (err) {
        result.failed++;
        if (result.failures.length < 10) result.failures.push((err as Error).message);
      }
    }
  };
  const loops = Promise.all(Array.from({ length: concurrency }, loop));
  return {
    result,
    stop: async () => {
      stopped = true;
      await loops;
      return result;
    },
  };
}

async function replicaIds(): Promise<string[]> {
  return (await compose('ps', '-q', 'inference-api')).stdout.split('\n').filter(Boolean);
}

async function replicaStats(ids: string[]) {
  const { stdout } = await docker('stats', '--no-stream', '--format', '{{json .}}', ...ids);
  return parseStats(stdout).map((s) => ({ name: s.name, memoryMb: Math.round(s.memoryMb * 10) / 10 }));
}

async function waitFor(what: string, limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const t = Date.now();
  while (Date.now() - t < limitMs) {
    if (await probe().catch(() => false)) return secondsSince(t);
    await sleep(1000);
  }
  throw new Error(`${what}: not within ${limitMs / 1000} s`);
}

function bytesOf(value: unknown): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(String(value).trim());
  if (!m) throw new Error(`memory ${String(value)}: not a size`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const version = spawnSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8' });
  if (version.status !== 0)
    throw new Error('Docker Compose v2 is missing (`docker compose`): run test/docker-e2e/setup-engine.sh');
  figures.composeVersion = version.stdout.trim();
  figures.engineVersion = (await docker('version', '--format', '{{.Server.Version}}')).stdout.trim();

  // Settings: the user's .env.example with this run's ports, stand-ins, small data and a quick search.
  const header = (readFileSync(dataFile('covertype.csv'), 'utf8').split('\n', 1)[0] ?? '').trim();
  const firstRow = await writeSmallData(path.join(resultsDir, 'data'));
  const row = rowFromCsv(header, firstRow);
  const ports = {
    INFERENCE_PORT: await freePort(),
    DATA_API_PORT: await freePort(),
    MLFLOW_PORT: await freePort(),
    MINIO_API_PORT: await freePort(),
    MINIO_CONSOLE_PORT: await freePort(),
    MYSQL_PORT: await freePort(),
  };
  const overrides: Record<string, string> = {
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    IMAGE_REGISTRY: `${PREFIX.slice(0, -1)}`,
    IMAGE_TAG: 'e2e',
    BASE_IMAGE_PREFIX: PREFIX,
    MYSQL_IMAGE: `${PREFIX}mariadb:test`,
    MINIO_IMAGE: `${PREFIX}s3:test`,
    MINIO_MC_IMAGE: `${PREFIX}s3:test`,
    NGINX_IMAGE: `${PREFIX}nginx:test`,
    K6_IMAGE: `${PREFIX}node:24-bookworm-slim`,
    DATA_DIR: path.join(resultsDir, 'data'),
    SEARCH_PRESET: 'quick',
    MIN_UPDATE_TIME: '1',
    MODEL_POLL_SECONDS: '2',
  };
  const set = new Set<string>();
  const envLines = readFileSync(path.join(repoRoot, '.env.example'), 'utf8')
    .split('\n')
    .map((line) => {
      const key = /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
      if (!key || !(key in overrides)) return line;
      set.add(key);
      return `${key}=${overrides[key]}`;
    });
  // Settings .env.example documents commented out (the overlay's own defaults otherwise).
  for (const [key, value] of Object.entries(overrides)) if (!set.has(key)) envLines.push(`${key}=${value}`);
  writeFileSync(envFile, `${envLines.join('\n')}\n`);
  const base = `http://127.0.0.1:${ports.INFERENCE_PORT}`;

  await buildImages();
  figures.imageSizesMb = Object.fromEntries(
    await Promise.all(
      ['data-api', 'trainer', 'inference-api', 'mlflow', 'mariadb', 's3', 'nginx'].map(async (name) => {
        const tag = ['data-api', 'trainer', 'inference-api'].includes(name)
          ? `${PREFIX}${name}:e2e`
          : `${PREFIX}${name}:test`;
        const size = Number((await docker('image', 'inspect', '-f', '{{.Size}}', tag)).stdout.trim());
        return [name, Math.round(size / 1e6)];
      }),
    ),
  );

  // Up, then the first answer of the champion through the load balancer.
  const upAt = Date.now();
  await compose('up', '-d');
  const post = (route: string, body: unknown) =>
    fetch(`${base}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  await waitFor('the champion served through the load balancer', 15 * 60_000, async () => {
    const res = await post('/predict', row);
    return res.status === 200;
  });
  figures.upToChampionSeconds = secondsSince(upAt);
  log(`champion served ${figures.upToChampionSeconds} s after \`up\``);

  // The user's routes.
  const docs = await fetch(`${base}/docs`, { redirect: 'follow' });
  check('/docs', docs.status === 200 && /swagger/i.test(await docs.text()), `HTTP ${docs.status}`);
  const predict = (await (await post('/predict', row)).json()) as {
    Cover_Type?: number;
    probabilities?: number[];
  };
  check(
    '/predict',
    Number.isInteger(predict.Cover_Type) && predict.probabilities?.length === 7,
    `Cover_Type ${predict.Cover_Type}`,
  );
  const inv = await post('/invocations', { dataframe_records: [row, row] });
  const invBody = (await inv.json()) as { predictions?: { label?: number[] } };
  check('/invocations', inv.status === 200 && invBody.predictions?.label?.length === 2, `HTTP ${inv.status}`);
  const numeric = Object.values(row)
    .filter((v) => typeof v === 'number')
    .slice(0, 10);
  const v2 = await post('/v2/models/covertype/infer', {
    id: 'e2e',
    inputs: [{ name: 'numeric', shape: [1, 10], datatype: 'FP32', data: numeric }],
  });
  const v2Body = (await v2.json()) as { id?: string; outputs?: { name: string }[] };
  check(
    'V2 infer',
    v2.status === 200 && v2Body.id === 'e2e' && (v2Body.outputs?.length ?? 0) > 0,
    `HTTP ${v2.status}`,
  );

  // Limits and restart policies as docker-compose.yaml declares them (Compose v2's own reading of it).
  const config = JSON.parse((await compose('config', '--format', 'json')).stdout) as {
    services: Record<
      string,
      { deploy?: { resources?: { limits?: { cpus?: unknown; memory?: unknown } } }; restart?: string }
    >;
  };
  const declared = config.services['inference-api']?.deploy?.resources?.limits ?? {};
  const [firstId] = await replicaIds();
  const inspect = async (id: string) =>
    JSON.parse((await docker('inspect', id)).stdout)[0] as {
      Name: string;
      HostConfig: { NanoCpus: number; Memory: number; RestartPolicy: { Name: string } };
      NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
      State: { OOMKilled: boolean };
      RestartCount: number;
    };
  const api = await inspect(firstId as string);
  const cpus = Number(declared.cpus);
  const memory = bytesOf(declared.memory);
  check(
    'inference-api limits equal the compose values',
    api.HostConfig.NanoCpus === Math.round(cpus * 1e9) && api.HostConfig.Memory === memory,
    `declared ${cpus} CPU / ${memory} B, container ${api.HostConfig.NanoCpus / 1e9} CPU / ${api.HostConfig.Memory} B`,
  );
  // LD_PRELOAD of a missing library only prints a warning: look for jemalloc in the server's own mappings.
  const allocator = await docker(
    'exec',
    firstId as string,
    'node',
    '-e',
    `const fs = require('node:fs');
     for (const pid of fs.readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p))) {
       const argv = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0');
       if (argv[1] !== 'dist/main.mjs') continue;
       const maps = fs.readFileSync('/proc/' + pid + '/maps', 'utf8');
       console.log('pid ' + pid + ': ' + (maps.includes('libjemalloc') ? 'jemalloc mapped' : 'no jemalloc'));
     }`,
  ).catch((err: Error) => ({ stdout: err.message, stderr: '' }));
  check(
    'the inference API runs on jemalloc (LD_PRELOAD)',
    /jemalloc mapped/.test(allocator.stdout),
    allocator.stdout.trim().slice(-200) || 'no `node dist/main.mjs` process found',
  );
  const fetchIds = (await compose('ps', '-a', '-q', 'data-fetch')).stdout.split('\n').filter(Boolean);
  const oneShot = await inspect(fetchIds[0] as string);
  check(
    'restart policies are the `restart:` lines',
    api.HostConfig.RestartPolicy.Name === 'unless-stopped' && oneShot.HostConfig.RestartPolicy.Name === 'no',
    `inference-api ${api.HostConfig.RestartPolicy.Name}, data-fetch ${oneShot.HostConfig.RestartPolicy.Name}`,
  );

  // Three replicas, all serving through the balancer.
  await compose('up', '-d', '--no-recreate', '--scale', 'inference-api=3');
  const ids = await replicaIds();
  check('scaled to 3', ids.length === 3, `${ids.length} replicas`);
  const addresses = new Set(
    (await Promise.all(ids.map(inspect))).flatMap((c) =>
      Object.values(c.NetworkSettings.Networks).map((n) => `${n.IPAddress}:8989`),
    ),
  );
  const seen = new Map<string, number>();
  const spreadSeconds = await waitFor('all 3 replicas answering', 120_000, async () => {
    seen.clear();
    for (let i = 0; i < 30; i++) {
      const res = await post('/predict', row);
      await res.arrayBuffer();
      const upstream = res.headers.get('x-upstream') ?? '?';
      if (res.status === 200) seen.set(upstream, (seen.get(upstream) ?? 0) + 1);
    }
    return [...addresses].every((a) => seen.has(a));
  });
  check(
    'all 3 replicas serve',
    [...addresses].every((a) => seen.has(a)),
    `${[...seen.entries()].map(([a, n]) => `${a} ${n}`).join(', ')} (after ${spreadSeconds} s)`,
  );
  figures.replicaRssIdleMb = await replicaStats(ids);

  // The load-test overlay's k6 service (here a Node image in its place: no k6 image can be had) sees the
  // stack's data in a host DATA_DIR, and `run --no-deps` leaves the 3 replicas alone.
  const k6 = await run('docker', [
    'compose',
    '-p',
    project,
    '--env-file',
    envFile,
    ...composeFiles,
    '-f',
    'docker-compose.loadtest.yaml',
    '--profile',
    'loadtest',
    'run',
    '--rm',
    '--no-deps',
    '--entrypoint',
    'sh',
    'k6',
    '-c',
    'test -s "$DATA_FILE" && test -d /scripts/scenarios && echo "k6 data ok: $DATA_FILE"',
  ]).catch((err: Error) => ({ stdout: '', stderr: err.message }));
  check(
    'k6 (overlay) reads the data from a host DATA_DIR',
    /k6 data ok/.test(k6.stdout),
    (k6.stdout || k6.stderr).trim().slice(-300),
  );
  const afterRun = await replicaIds();
  check(
    '`run --rm --no-deps k6` keeps the replicas',
    afterRun.length === 3,
    `${afterRun.length} replicas after the run`,
  );

  // Under steady load: RSS, then one replica killed, then 3 → 1; no request may fail.
  const load = startLoad(base, row, 4, 180_000);
  await sleep(5000);
  figures.replicaRssLoadMb = await replicaStats(ids);
  const victim = ids[1] as string;
  await docker('kill', victim);
  log(`killed replica ${victim.slice(0, 12)} under load`);
  await sleep(8000);
  await compose('up', '-d', '--no-recreate', '--scale', 'inference-api=1');
  log('scaled 3 → 1 under load');
  await sleep(8000);
  const result = await load.stop();
  figures.loadDuringFailover = {
    requests: result.sent,
    ok: result.ok,
    failed: result.failed,
    byUpstream: Object.fromEntries(result.upstreams),
  };
  check(
    'a killed replica and a 3 → 1 scale-down under load lose no request',
    result.failed === 0 && result.ok > 0,
    `${result.ok} ok, ${result.failed} failed${result.failures.length ? `: ${result.failures.join('; ')}` : ''}`,
  );
  check('one replica left', (await replicaIds()).length === 1, 'after --scale inference-api=1');
}

async function down(): Promise<void> {
  const t = Date.now();
  await compose('down', '-v', '--remove-orphans', '--timeout', '10').catch((err: Error) => log(err.message));
  figures.downSeconds = secondsSince(t);
  const label = `label=com.docker.compose.project=${project}`;
  const left = [
    ...(await docker('ps', '-a', '-q', '--filter', label)).stdout.split('\n'),
    ...(await docker('volume', 'ls', '-q', '--filter', label)).stdout.split('\n'),
    ...(await docker('network', 'ls', '-q', '--filter', label)).stdout.split('\n'),
  ].filter(Boolean);
  check('`down -v` leaves no container, volume or network', left.length === 0, `${left.length} left`);
}

function writeReport(error?: Error): void {
  figures.wallSeconds = secondsSince(started);
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.length - passed + (error && !checks.some((c) => !c.ok) ? 1 : 0);
  const report = { when: new Date().toISOString(), passed, failed, error: error?.message, checks, figures };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const f = figures as Record<string, unknown>;
  const md = [
    `# Docker e2e, ${report.when}`,
    '',
    `Engine ${f.engineVersion}, Compose ${f.composeVersion}, project ${project}. Command: \`pnpm e2e:docker\`.`,
    '',
    '| check | result | detail |',
    '| --- | --- | --- |',
    ...checks.map((c) => `| ${c.name} | ${c.ok ? 'ok' : 'FAIL'} | ${c.detail.replace(/\|/g, '/')} |`),
    ...(error && !checks.some((c) => !c.ok) ? [`| (run) | FAIL | ${error.message.split('\n')[0]} |`] : []),
    '',
    '| figure | value |',
    '| --- | --- |',
    ...Object.entries(figures).map(([k, v]) => `| ${k} | ${typeof v === 'object' ? JSON.stringify(v) : v} |`),
    '',
  ].join('\n');
  writeFileSync(path.join(resultsDir, 'report.md'), md);
  console.log(md);
  log(`report: ${path.relative(repoRoot, resultsDir)}/report.{json,md}`);
  console.log(`${passed} passed, ${failed} failed`);
}

let cleaning: Promise<void> | undefined;
const cleanup = () => {
  cleaning ??= down().catch((err: Error) => log(`cleanup: ${err.message}`));
  return cleaning;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: removing the stack`);
    void cleanup().then(() => process.exit(130));
  });
const timer = setTimeout(() => {
  log(`timed out after ${timeoutMs / 1000} s: removing the stack`);
  void cleanup().then(() => {
    writeReport(new Error(`timed out after ${timeoutMs / 1000} s`));
    process.exit(1);
  });
}, timeoutMs);

let failure: Error | undefined;
try {
  await main();
} catch (err) {
  failure = err as Error;
  log(`failed: ${failure.message}`);
  // What the stack said, for the CI log.
  await compose('ps', '-a')
    .then((r) => console.log(r.stdout))
    .catch(() => {});
  await compose('logs', '--no-color', '--tail', '40')
    .then((r) => writeFileSync(path.join(resultsDir, 'compose.log'), r.stdout + r.stderr))
    .catch(() => {});
}
try {
  await cleanup();
} catch (err) {
  failure ??= err as Error;
}
clearTimeout(timer);
writeReport(failure);
process.exit(failure || checks.some((c) => !c.ok) ? 1 : 0);
