/**
 * `pnpm bench`: the inference API's figures in one run. The server is pinned to CPU 1 and this
 * process (the load generator) to CPU 0. Throughput runs are interleaved with an empty Fastify
 * route (same JSON body) and repeated; the medians are reported. Settings (env): BENCH_DURATION
 * (s per run, default 10), BENCH_REPEATS (3), BENCH_MODEL_DIR (an MLflow model folder to serve
 * instead of the trained bench model), BENCH_RUNTIME (`bundle`, default: the esbuild bundle the
 * Docker image runs, built with docker/bundle.mjs; `tsx`: the TypeScript sources through tsx).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OpenLoopResult, openLoop } from '@covertype/loadgen';
import { type CovertypeRow, checkRecord } from '@covertype/schema';
import { freePort, readDataRows, repoRoot } from '@covertype/testkit';
import {
  encodeLabels,
  encodeRows,
  exportOnnx,
  fitGradientBoosting,
  modelStats,
} from '@covertype/tree-ensemble';
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const resultsDir = path.join(pkg, 'bench/results');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? '1';
const CLIENT_CPU = process.env.BENCH_CLIENT_CPU ?? '0';
const OVERLOAD_CONNECTIONS = 512;
const RSS_SETTLE_MS = 15_000;

/**
 * The API's entry point and the empty route's, run the same way: the production bundle when it can
 * be built, else the sources through tsx (which alone cost the empty route ~15 % of its throughput).
 */
function entries(): { entry: string; baselineEntry: string; runtime: string } {
  if (process.env.BENCH_RUNTIME !== 'tsx') {
    const out = path.join(os.tmpdir(), 'covertype-bench-bundle');
    try {
      execFileSync(
        process.execPath,
        [
          path.join(repoRoot, 'docker/bundle.mjs'),
          'services/inference-api',
          'src/server.ts',
          out,
          'bench/baseline-server.ts',
        ],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, NODE_ENV: 'production' },
        },
      );
      return {
        entry: path.join(out, 'dist/main.mjs'),
        baselineEntry: path.join(out, 'dist/baseline-server.mjs'),
        runtime: 'bundle (docker/bundle.mjs)',
      };
    } catch (err) {
      console.warn(`cannot build the bundle (${(err as Error).message}); running the sources through tsx`);
    }
  }
  return {
    entry: path.join(pkg, 'src/server.ts'),
    baselineEntry: path.join(here, 'baseline-server.ts'),
    runtime: 'tsx',
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const canPin = (() => {
  try {
    execFileSync('taskset', ['-cp', CLIENT_CPU, String(process.pid)], { stdio: 'ignore' });
    return os.cpus().length >= 2;
  } catch {
    return false;
  }
})();

const loadRows = (limit: number, skip = 0) => readDataRows(checkRecord, limit, { skip });
const features = (r: CovertypeRow) => {
  const { Cover_Type: _, ...f } = r;
  return f;
};

/** The bench model: gradient boosting, 20 rounds × 7 classes, 31 leaves, on 20,000 rows (cached). */
async function benchModel(): Promise<{ dir: string; stats: Record<string, number | string> }> {
  if (process.env.BENCH_MODEL_DIR)
    return { dir: path.resolve(process.env.BENCH_MODEL_DIR), stats: { source: 'BENCH_MODEL_DIR' } };
  const dir = path.join(os.tmpdir(), 'covertype-bench-model-v1', 'covertype');
  const statsFile = path.join(dir, 'stats.json');
  if (!existsSync(statsFile)) {
    const rows = loadRows(20_000);
    const model = fitGradientBoosting(encodeRows(rows), encodeLabels(rows), { rounds: 20, seed: 1 });
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'model.onnx'), exportOnnx(model));
    await writeFile(
      path.join(dir, 'MLmodel'),
      'artifact_path: model\nflavors:\n  onnx:\n    data: model.onnx\n  python_function:\n    data: model.onnx\n    loader_module: mlflow.onnx\n',
    );
    await writeFile(
      statsFile,
      JSON.stringify({ family: 'gradient-boosting', rounds: 20, maxLeaves: 31, ...modelStats(model) }),
    );
  }
  return { dir, stats: JSON.parse(readFileSync(statsFile, 'utf8')) };
}

// Servers still running when the benchmark fails are stopped with it.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

interface Server {
  child: ChildProcess;
  port: number;
  stop: () => Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

async function startServer(
  entry: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<Server & { readyMs: number }> {
  const port = await freePort();
  const args = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
  const cmd = canPin ? 'taskset' : process.execPath;
  const argv = canPin ? ['-c', SERVER_CPU, process.execPath, ...args] : args;
  const started = performance.now();
  const child = spawn(cmd, argv, {
    detached: false,
    cwd: pkg,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await waitReady(`http://127.0.0.1:${port}${readyPath}`, child);
  const readyMs = performance.now() - started;
  return {
    child,
    port,
    readyMs,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function cannon(port: number, urlPath: string, body: string, connections: number, seconds: number) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${urlPath}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  return {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Requests evenly spaced, as k6 sends them, when the generator has CPU 0 to itself (see @covertype/loadgen). */
const PACING = canPin ? 'spin' : 'timer';
/** Each open-loop run starts with this much unmeasured traffic at its rate (see @covertype/loadgen). */
const OPEN_LOOP_WARMUP_MS = 1000;

async function main() {
  if (!canPin) console.warn('taskset or a second CPU is missing: server and load generator are not pinned');
  const { dir, stats } = await benchModel();
  const rows = loadRows(256, 60_000).map(features);
  const single = JSON.stringify(rows[0]);
  const batch = JSON.stringify({ rows });
  const cacheDir = path.join(os.tmpdir(), 'covertype-bench-cache');
  const serverEnv = {
    MODEL_URI: dir,
    MODEL_CACHE_DIR: cacheDir,
    MODEL_POLL_SECONDS: '0',
    LOG_LEVEL: 'warn',
    MLFLOW_TRACKING_URI: `file:${path.join(os.tmpdir(), 'covertype-bench-mlruns')}`,
  };

  const { entry, baselineEntry, runtime } = entries();
  const baseline = await startServer(baselineEntry, {}, '/healthz');
  const api = await startServer(entry, serverEnv, '/readyz');
  // Warm both (JIT, onnxruntime arenas).
  await cannon(baseline.port, '/predict', single, 64, 2);
  await cannon(api.port, '/predict', single, 64, 2);
  await cannon(api.port, '/predict/batch', batch, 4, 2);

  const runs = {
    baseline: [] as number[],
    predict: [] as number[],
    predictP99: [] as number[],
    batch: [] as number[],
  };
  for (let r = 0; r < REPEATS; r++) {
    const b = await cannon(baseline.port, '/predict', single, 64, DURATION);
    const p = await cannon(api.port, '/predict', single, 64, DURATION);
    const bt = await cannon(api.port, '/predict/batch', batch, 4, DURATION);
    if (p.non2xx || p.errors || bt.non2xx || bt.errors)
      throw new Error(`failed requests: ${JSON.stringify({ p, bt })}`);
    runs.baseline.push(b.rps);
    runs.predict.push(p.rps);
    runs.predictP99.push(p.p99);
    runs.batch.push(bt.rps * rows.length);
    console.log(
      `run ${r + 1}/${REPEATS}: baseline ${b.rps} req/s, /predict ${p.rps} req/s, batch ${bt.rps * rows.length} rows/s`,
    );
  }
  const maxRps = median(runs.predict);

  /** An open-loop run of single-row /predict requests, paced and warmed up alike for every run. */
  const predictLoad = (port: number, rate: number, preAllocated: number, drainMs?: number) =>
    openLoop({
      url: `http://127.0.0.1:${port}`,
      path: '/predict',
      body: single,
      rate,
      durationMs: DURATION * 1000,
      preAllocated,
      maxConnections: OVERLOAD_CONNECTIONS,
      pacing: PACING,
      warmupMs: OPEN_LOOP_WARMUP_MS,
      ...(drainMs === undefined ? {} : { drainMs }),
    });
  // Repeated like the throughput runs: one run can be decided by a single stall of this noisy VM.
  // Enough connections that a 20 ms stall does not drop arrivals; a drop counts as infinitely slow.
  // Each run is paired with one against the empty route at the same rate: what the HTTP layer and
  // the machine alone give at that moment.
  const halfRun = (port: number) => predictLoad(port, Math.round(maxRps / 2), 128);
  const halves: OpenLoopResult[] = [];
  const baselineHalves: OpenLoopResult[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const base = await halfRun(baseline.port);
    baselineHalves.push(base);
    const half = await halfRun(api.port);
    halves.push(half);
    console.log(
      `constant ${Math.round(maxRps / 2)}/s, run ${r + 1}/${REPEATS}: p99 ${half.p99AllArrivals} ms (2xx only ${half.accepted.p99} ms), dropped ${half.dropped}`,
      half.statuses,
      `; empty route: p99 ${base.p99AllArrivals} ms`,
    );
  }
  await baseline.stop();
  const half = [...halves].sort((a, b) => a.p99AllArrivals - b.p99AllArrivals)[Math.floor(REPEATS / 2)]!;
  // Twice the API's default MAX_INFLIGHT (256) connections, so arrivals beyond the limit reach the
  // server and are shed there; arrivals that find all of them busy are dropped in the client, as k6 does.
  const overload = await predictLoad(api.port, Math.round(maxRps * 2), OVERLOAD_CONNECTIONS, 10_000);
  console.log(
    `overload ${Math.round(maxRps * 2)}/s:`,
    overload.statuses,
    `accepted p99 ${overload.accepted.p99} ms, dropped ${overload.dropped}, send lag p99 ${overload.sendLag.p99} ms`,
  );
  const alive = await fetch(`http://127.0.0.1:${api.port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  // Peak: right after the overload. After the run: once the API has been idle past its
  // IDLE_GC_SECONDS (5 s by default) and its retry 6 s later, and has given back what the spike took.
  const rssUnderLoad = rssMb(api.child.pid!);
  await new Promise((r) => setTimeout(r, RSS_SETTLE_MS));
  const rss = rssMb(api.child.pid!);
  await api.stop();

  // Cold start: process start → /readyz 200, model folder local (no download).
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startServer(entry, serverEnv, '/readyz');
    cold.push(s.readyMs);
    await s.stop();
  }

  const onlyOkOr503 = Object.keys(overload.statuses).every((s) => s === '200' || s === '503');
  const figures = {
    baselineRps: median(runs.baseline),
    predictRps: maxRps,
    ratio: Math.round((maxRps / median(runs.baseline)) * 100) / 100,
    predictP99ClosedLoopMs: median(runs.predictP99),
    halfRateRps: Math.round(maxRps / 2),
    halfRateP99Ms: half.p99AllArrivals,
    halfRateP99RunsMs: halves.map((h) => h.p99AllArrivals),
    halfRateBaselineP99Ms: median(baselineHalves.map((h) => h.p99AllArrivals)),
    halfRateSendLagP99Ms: half.sendLag.p99,
    halfRateDropped: half.dropped,
    batchRowsPerSecond: median(runs.batch),
    overloadRate: Math.round(maxRps * 2),
    overloadAcceptedP99Ms: overload.accepted.p99,
    overloadStatuses: overload.statuses,
    overloadErrors: overload.errors,
    overloadDropped: overload.dropped,
    overloadServedRps: Math.round(overload.completed / DURATION),
    overloadAlive: alive,
    rssUnderLoadMb: rssUnderLoad,
    rssAfterMb: rss,
    rssSettleSeconds: RSS_SETTLE_MS / 1000,
    coldStartMs: Math.round(median(cold)),
  };
  const checks = [
    [
      'single-row /predict, 64 connections',
      `${figures.predictRps} req/s`,
      '≥ 7,000 req/s',
      figures.predictRps >= 7000,
    ],
    [
      '/predict ÷ empty Fastify route',
      `${figures.ratio} (${figures.predictRps} / ${figures.baselineRps})`,
      '≥ 0.6',
      figures.ratio >= 0.6,
    ],
    [
      `p99 at constant ${figures.halfRateRps}/s (½ max)`,
      `${figures.halfRateP99Ms} ms, median of ${figures.halfRateP99RunsMs.join(' / ')} (arrivals without a 2xx count as infinitely slow; median run: ${figures.halfRateDropped} dropped, generator send lag p99 ${figures.halfRateSendLagP99Ms} ms); the empty route at the same rate: p99 ${figures.halfRateBaselineP99Ms} ms`,
      '≤ 5 ms',
      figures.halfRateP99Ms <= 5,
    ],
    [
      '/predict/batch, 256 rows',
      `${figures.batchRowsPerSecond} rows/s`,
      '≥ 200,000 rows/s',
      figures.batchRowsPerSecond >= 200_000,
    ],
    [
      `2× overload (${figures.overloadRate}/s): accepted p99`,
      `${figures.overloadAcceptedP99Ms} ms; ${JSON.stringify(figures.overloadStatuses)}; errors ${figures.overloadErrors}; ${figures.overloadDropped} arrivals dropped with all ${OVERLOAD_CONNECTIONS} connections busy; ${figures.overloadServedRps} answers/s`,
      '≤ 50 ms, only 503 refused, alive',
      figures.overloadAcceptedP99Ms <= 50 && onlyOkOr503 && figures.overloadErrors === 0 && alive,
    ],
    [
      `RSS after the run (${figures.rssSettleSeconds} s idle)`,
      `${figures.rssAfterMb} MB (right after the overload: ${figures.rssUnderLoadMb} MB)`,
      '≤ 150 MB',
      figures.rssAfterMb <= 150,
    ],
    [
      'cold start (start → ready, local model)',
      `${figures.coldStartMs} ms`,
      '≤ 1,500 ms',
      figures.coldStartMs <= 1500,
    ],
  ] as const;

  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    pinned: canPin ? { server: SERVER_CPU, client: CLIENT_CPU } : false,
    runtime,
    openLoopPacing: PACING,
    openLoopWarmupMs: OPEN_LOOP_WARMUP_MS,
    durationSeconds: DURATION,
    repeats: REPEATS,
    model: stats,
    runs,
    coldStartRunsMs: cold.map(Math.round),
    halfRate: halves,
    halfRateBaseline: baselineHalves,
    overload,
  };
  await mkdir(resultsDir, { recursive: true });
  await writeFile(
    path.join(resultsDir, 'inference.json'),
    `${JSON.stringify({ figures, checks, meta }, null, 2)}\n`,
  );
  const md = [
    '# Inference API benchmark',
    '',
    `${meta.date}, Node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}), server (${runtime}) on CPU ${SERVER_CPU}, load on CPU ${CLIENT_CPU}${canPin ? '' : ' (not pinned)'}, open-loop pacing ${PACING} after ${OPEN_LOOP_WARMUP_MS / 1000} s of unmeasured warm-up; ${REPEATS} interleaved runs of ${DURATION} s, medians. Model: ${JSON.stringify(stats)}.`,
    '',
    '| figure | measured | target | ok |',
    '| --- | --- | --- | --- |',
    ...checks.map(
      ([name, value, target, ok]) => `| ${name} | ${value} | ${target} | ${ok ? 'yes' : '**no**'} |`,
    ),
    '',
  ].join('\n');
  await writeFile(path.join(resultsDir, 'inference.md'), md);
  console.log(`\n${md}`);
  console.table(checks.map(([figure, measured, target, ok]) => ({ figure, measured, target, ok })));
}

await main().catch((err) => {
  console.error(err);
  process.exit(1);
});
