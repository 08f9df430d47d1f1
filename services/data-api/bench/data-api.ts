// pnpm bench:data-api — start-up time and RSS on a 581,012-row CSV, and GET /data latency at 50
// connections with the server pinned to one core (autocannon on the other), against an empty Fastify
// route. Writes bench/results/data-api.{json,md} and prints the table.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataFile, freePort } from '@covertype/testkit';
import { mulberry32 } from '../src/batches/shuffle.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

// autocannon ships no types; a local signature for what is used here (no global declaration, which
// would clash with other packages' use of it).
interface Histogram {
  p50: number;
  p99: number;
  max: number;
  average: number;
}
interface CannonResult {
  latency: Histogram;
  requests: Histogram;
  throughput: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  requests?: Array<{ path: string }>;
  headers?: Record<string, string>;
}) => Promise<CannonResult>;
const ROWS = 581_012;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 50;
const SERVER_CORE = '1';
const CLIENT_CORE = '0';

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return cpus().length > 1;
  } catch {
    return false;
  }
})();
if (hasTaskset) execFileSync('taskset', ['-p', '-c', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function buildCsv(dir: string): Promise<string> {
  const text = await readFile(dataFile('covertype.csv'), 'utf8');
  const lines = text.trimEnd().split('\n');
  const header = lines.shift()!;
  const random = mulberry32(581012);
  const out = new Array<string>(ROWS + 1);
  out[0] = header;
  for (let i = 1; i <= ROWS; i++) out[i] = lines[Math.floor(random() * lines.length)]!;
  const file = path.join(dir, 'covtype-581012.csv');
  await writeFile(file, `${out.join('\n')}\n`);
  return file;
}

function start(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const node = [process.execPath, '--import', 'tsx', entry];
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', SERVER_CORE, ...node] : node;
  const child = spawn(cmd!, args, {
    cwd: path.resolve(here, '..'),
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  return child;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** CPU seconds (user + system) the process used so far; /proc/<pid>/stat counts in clock ticks (100/s). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function rssMb(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function startDataApi(csv: string, dir: string, minUpdateTime: string, logLevel = 'info') {
  const port = await freePort();
  const t0 = performance.now();
  const child = start(path.join(here, '../src/server.ts'), {
    DATA_PATH: csv,
    DATA_STATE_PATH: path.join(dir, `state-${port}.json`),
    PORT: String(port),
    HOST: '127.0.0.1',
    MIN_UPDATE_TIME: minUpdateTime,
    DATA_SEED: '1',
    LOG_LEVEL: logLevel,
  });
  await waitReady(`http://127.0.0.1:${port}/healthz`, child);
  return { child, port, readyMs: performance.now() - t0 };
}

const dir = await mkdtemp(path.join(tmpdir(), 'bench-data-api-'));
try {
  console.error(`building a ${ROWS}-row CSV by resampling covertype.csv…`);
  const csv = await buildCsv(dir);

  // Start-up: time to the first 200 on /healthz (process spawn included), RSS then, and RSS once every
  // one of the 100 batch bodies is cached (the most the service ever holds).
  const startup: Array<{ readyMs: number; rssReadyMb: number; rssAllCachedMb: number; peakMb: number }> = [];
  for (let i = 0; i < ROUNDS; i++) {
    const { child, port, readyMs } = await startDataApi(csv, dir, '0');
    const rssReady = await rssMb(child.pid!);
    for (let g = 1; g <= 10; g++) {
      for (let b = 1; b <= 10; b++)
        await (await fetch(`http://127.0.0.1:${port}/data?group_number=${g}`)).arrayBuffer();
    }
    const after = await rssMb(child.pid!);
    startup.push({ readyMs, rssReadyMb: rssReady.rss, rssAllCachedMb: after.rss, peakMb: after.peak });
    await stop(child);
  }

  // Latency: interleaved rounds of the empty route and GET /data (ten groups in turn, MIN_UPDATE_TIME
  // large so every request is a cached batch), each after a short warm-up.
  const paths = Array.from({ length: 10 }, (_, g) => `/data?group_number=${g + 1}`);
  const variants: Array<{ name: string; logLevel?: string; headers?: Record<string, string>; csv?: string }> =
    [
      { name: 'empty Fastify route' },
      { name: 'GET /data' },
      // The file the service serves by default: 750-row batches (about 45 KB) instead of 5,810 rows.
      { name: 'GET /data, 75,000-row covertype.csv', csv: dataFile('covertype.csv') },
      // autocannon (http-parser-js) is itself slow on gzip bodies (curl fetches them faster than plain
      // ones), so this variant measures the client more than the server; BENCH_GZIP=1 adds it anyway.
      ...(process.env.BENCH_GZIP
        ? [{ name: 'GET /data, Accept-Encoding: gzip', headers: { 'accept-encoding': 'gzip' } }]
        : []),
      { name: 'GET /data, LOG_LEVEL=warn', logLevel: 'warn' },
    ];
  type Run = {
    p50: number;
    p99: number;
    max: number;
    rps: number;
    mbps: number;
    errors: number;
    serverCpuPercent: number;
  };
  const runs: Record<string, Run[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const variant of variants) {
      let child: ChildProcess;
      let url: string;
      let requests: Array<{ path: string }> | undefined;
      if (variant.name === 'empty Fastify route') {
        const port = await freePort();
        child = start(path.join(here, 'baseline-server.ts'), { PORT: String(port) });
        url = `http://127.0.0.1:${port}`;
        await waitReady(`${url}/`, child);
      } else {
        const s = await startDataApi(variant.csv ?? csv, dir, '1000000000', variant.logLevel);
        child = s.child;
        url = `http://127.0.0.1:${s.port}`;
        requests = paths.map((p) => ({ path: p }));
      }
      const options = {
        url,
        connections: CONNECTIONS,
        ...(requests ? { requests } : {}),
        ...(variant.headers ? { headers: variant.headers } : {}),
      };
      await autocannon({ ...options, duration: 2 });
      const cpuBefore = await cpuSeconds(child.pid!);
      const res = await autocannon({ ...options, duration: DURATION });
      const serverCpu = (await cpuSeconds(child.pid!)) - cpuBefore;
      runs[variant.name]!.push({
        p50: res.latency.p50,
        p99: res.latency.p99,
        max: res.latency.max,
        rps: res.requests.average,
        mbps: res.throughput.average / 1e6,
        errors: res.errors + res.timeouts + res.non2xx,
        // Near 100 %: the server core is the limit; well below: the client or the machine is.
        serverCpuPercent: Math.round((serverCpu / DURATION) * 100),
      });
      await stop(child);
      console.error(
        `round ${r + 1}/${ROUNDS} ${variant.name}: p99 ${res.latency.p99} ms, ${Math.round(res.requests.average)} req/s`,
      );
    }
  }

  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    pinned: hasTaskset
      ? { server: SERVER_CORE, client: CLIENT_CORE }
      : 'no (taskset or a second core missing)',
    rows: ROWS,
    rounds: ROUNDS,
    durationSeconds: DURATION,
    connections: CONNECTIONS,
    startup: {
      readyMs: round(median(startup.map((s) => s.readyMs)), 0),
      rssReadyMb: round(median(startup.map((s) => s.rssReadyMb))),
      rssAllCachedMb: round(median(startup.map((s) => s.rssAllCachedMb))),
      peakRssMb: round(median(startup.map((s) => s.peakMb))),
      targets: { readyMs: 3000, rssMb: 300 },
      runs: startup,
    },
    latency: Object.fromEntries(
      Object.entries(runs).map(([name, rs]) => [
        name,
        {
          p50Ms: median(rs.map((x) => x.p50)),
          p99Ms: median(rs.map((x) => x.p99)),
          maxMs: median(rs.map((x) => x.max)),
          requestsPerSecond: round(median(rs.map((x) => x.rps)), 0),
          megabytesPerSecond: round(median(rs.map((x) => x.mbps))),
          serverCpuPercent: median(rs.map((x) => x.serverCpuPercent)),
          errors: rs.reduce((a, x) => a + x.errors, 0),
          runs: rs,
        },
      ]),
    ),
    latencyTarget: { p99Ms: 20 },
  };

  const table = [
    '| measure | median | target |',
    '| --- | --- | --- |',
    `| start-up to ready, ${ROWS.toLocaleString('en')} rows | ${summary.startup.readyMs} ms | ≤ 3000 ms |`,
    `| RSS when ready | ${summary.startup.rssReadyMb} MB | ≤ 300 MB |`,
    `| RSS with all 100 batches cached | ${summary.startup.rssAllCachedMb} MB | ≤ 300 MB |`,
    `| peak RSS | ${summary.startup.peakRssMb} MB | ≤ 300 MB |`,
    ...Object.entries(summary.latency).map(
      ([name, l]) =>
        `| ${name}, ${CONNECTIONS} connections: p50 / p99 / max | ` +
        `${l.p50Ms} / ${l.p99Ms} / ${l.maxMs} ms, ${l.requestsPerSecond} req/s, ${l.megabytesPerSecond} MB/s, ` +
        `server CPU ${l.serverCpuPercent} % | ` +
        `${name.startsWith('GET /data') ? 'p99 ≤ 20 ms' : 'baseline'} |`,
    ),
  ].join('\n');
  const md = `# data API benchmark\n\n${summary.date}, Node ${summary.node}, ${summary.cpus} CPUs, server pinned: ${
    hasTaskset ? `core ${SERVER_CORE} (autocannon on core ${CLIENT_CORE})` : 'no'
  }; ${CONNECTIONS} connections, ${DURATION} s per run, medians of ${ROUNDS} interleaved rounds.\n\n${table}\n`;
  const results = path.join(here, 'results');
  await mkdir(results, { recursive: true });
  await writeFile(path.join(results, 'data-api.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(path.join(results, 'data-api.md'), md);
  console.log(table);
  console.log(`\nwritten: ${path.join(results, 'data-api.json')} and data-api.md`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
