/**
 * `pnpm bench`: the inference API's figures with the model it serves, in one run. Servers are pinned
 * to CPU 1 and this process (the load generator) to CPU 0. Closed-loop runs are interleaved with an
 * empty Fastify route (same JSON body) and repeated; medians are reported. Open-model runs (fixed
 * arrival rates) search the highest rate at p99 ≤ 10 ms for each micro-batching policy, interleaved.
 * Settings (env): BENCH_DURATION (s per closed-loop run, 10), BENCH_OPEN_DURATION (s per open-model
 * run, 5), BENCH_REPEATS (3), BENCH_SEARCH_STEPS (5), BENCH_MODEL_URI / BENCH_MODEL_DIR (serve the
 * registry's champion or a model folder instead of the cached champion-sized model; see models.ts),
 * BENCH_RUNTIME (`bundle`, default, or `tsx`), BENCH_PYTHON (python3: the FastAPI peer's interpreter).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkRecord } from '@covertype/schema';
import { readDataRows } from '@covertype/testkit';
import { type BenchModel, benchModels, describeModel } from './models.ts';
import { P99_GOAL_MS, PACING, p99At, runAt, searchHighestRate, WARMUP_MS } from './open-model.ts';
import {
  alone,
  CLIENT_CPU,
  cannon,
  canPin,
  entries,
  imageMemoryEnv,
  loadAverage,
  median,
  peakRssMb,
  pkg,
  rssMb,
  SERVER_CPU,
  type Server,
  sampleRss,
  startServer,
} from './servers.ts';

const resultsDir = path.join(pkg, 'bench/results');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const OPEN_DURATION = Number(process.env.BENCH_OPEN_DURATION ?? 5);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SEARCH_STEPS = Number(process.env.BENCH_SEARCH_STEPS ?? 5);
/** Fixed arrival rates every batching policy is run at, interleaved: the policies side by side. */
const AB_RATES = (process.env.BENCH_AB_RATES ?? '2000,3000,4000').split(',').map(Number);
const PYTHON = process.env.BENCH_PYTHON ?? 'python3';
const OVERLOAD_CONNECTIONS = 512;
const RSS_SETTLE_MS = 15_000;
/** How often each server's RSS is read while the load runs: its peak under load, without the model's loading. */
const RSS_SAMPLE_MS = 250;
/**
 * The memory settings the image runs the API with (jemalloc, V8's young generation; docker-compose.yaml),
 * for every API server; one champion server runs without them, on glibc's malloc, beside them.
 */
const imageMemory = imageMemoryEnv();
const MEMORY_ENV = 'env' in imageMemory ? imageMemory.env : {};
const WITHOUT_MEMORY_ENV = Object.fromEntries(Object.keys(MEMORY_ENV).map((k) => [k, '']));
const GLIBC = 'champion, glibc malloc, default V8 heap';

const log = (line: string) => console.log(line);
const rows = readDataRows(checkRecord, 256, { skip: 60_000 }).map(({ Cover_Type: _, ...f }) => f);
/** Single-row bodies: every request a different row, in turn. */
const single = rows.map((r) => JSON.stringify(r));
const batch = JSON.stringify({ rows });

/** onnxruntime alone (bench/ort-probe.ts) with `options`, pinned to the server CPU. */
const rowsFile = path.join(os.tmpdir(), `covertype-bench-rows-${process.pid}.json`);
writeFileSync(rowsFile, JSON.stringify(rows));
process.on('exit', () => rmSync(rowsFile, { force: true }));
function probe(onnxPath: string, options: object, env: Record<string, string> = {}) {
  const argv = [
    '--import',
    'tsx',
    path.join(pkg, 'bench/ort-probe.ts'),
    onnxPath,
    JSON.stringify(options),
    rowsFile,
  ];
  const out = execFileSync(
    canPin ? 'taskset' : process.execPath,
    canPin ? ['-c', SERVER_CPU, process.execPath, ...argv] : argv,
    { cwd: pkg, env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as {
    singleUs: number;
    batchUsPerRow: number;
    rssStartMb: number;
    rssOpenMb: number;
    rssAfterRunsMb: number;
  };
}

/** Why the FastAPI peer cannot run here, or undefined when it can. */
function peerMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import fastapi, uvicorn, onnxruntime, numpy'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '')
      .trim()
      .split('\n')
      .pop();
    return `${PYTHON} -c 'import fastapi, uvicorn, onnxruntime, numpy' failed: ${stderr || (err as Error).message}`;
  }
}

/** The newest .onnx file under `dir` (a registry model, once the API has downloaded it). */
function newestOnnx(dir: string): string | undefined {
  let best: { file: string; mtime: number } | undefined;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.onnx') && (!best || statSync(p).mtimeMs > best.mtime))
        best = { file: p, mtime: statSync(p).mtimeMs };
    }
  };
  walk(dir);
  return best?.file;
}

interface Served {
  name: string;
  label: string;
  server: Server;
  /** Closed-loop single-row runs. */
  rps: number[];
  p99: number[];
  /** Closed-loop 256-row /predict/batch runs (rows/s). */
  batchRows: number[];
}

async function main() {
  if (!canPin) console.warn('taskset or a second CPU is missing: server and load generator are not pinned');
  const loadBefore = loadAverage();
  const { champion, small } = benchModels();
  const cacheDir = path.join(os.tmpdir(), 'covertype-bench-cache');
  const apiEnv = (model: BenchModel, extra: Record<string, string> = {}) => ({
    MODEL_URI: model.uri,
    MODEL_CACHE_DIR: cacheDir,
    MODEL_POLL_SECONDS: '0',
    LOG_LEVEL: 'warn',
    MLFLOW_TRACKING_URI:
      process.env.MLFLOW_TRACKING_URI ?? `file:${path.join(os.tmpdir(), 'covertype-bench-mlruns')}`,
    ...MEMORY_ENV,
    ...extra,
  });
  const { entry, baselineEntry, runtime } = entries();

  // onnxruntime alone, before any server runs: µs per row and what each session option costs in memory.
  const start = async (
    name: string,
    label: string,
    argv: string[],
    env: Record<string, string>,
    ready: string,
  ) => {
    const server = await startServer(argv, env, ready);
    log(`started ${name} (${label}) on port ${server.port}`);
    return { name, label, server, rps: [], p99: [], batchRows: [] } as Served;
  };
  const api = await start('champion', champion.label, [entry], apiEnv(champion), '/readyz');
  if (!champion.onnxPath) {
    const found = newestOnnx(cacheDir);
    if (found)
      Object.assign(champion, { onnxPath: found, stats: { ...champion.stats, ...describeModel(found) } });
  }
  const ortOptions: [string, object, Record<string, string>?][] = [
    ['defaults (arena, memory pattern, all graph optimisations)', {}],
    ['enableCpuMemArena: false', { enableCpuMemArena: false }],
    ['enableMemPattern: false', { enableMemPattern: false }],
    ['both off', { enableCpuMemArena: false, enableMemPattern: false }],
    ["graphOptimizationLevel: 'basic'", { graphOptimizationLevel: 'basic' }],
    ["graphOptimizationLevel: 'disabled'", { graphOptimizationLevel: 'disabled' }],
    ...(Object.keys(MEMORY_ENV).length
      ? [
          ["defaults, with the image's memory settings (jemalloc)", {}, MEMORY_ENV] as [
            string,
            object,
            Record<string, string>,
          ],
        ]
      : []),
  ];
  const ortRuns: Record<string, ReturnType<typeof probe>> = {};
  const modelCost: Record<string, ReturnType<typeof probe>> = {};
  if (champion.onnxPath) {
    for (const [name, options, env] of ortOptions) {
      ortRuns[name] = probe(champion.onnxPath, options, env);
      log(`onnxruntime, ${name}: ${JSON.stringify(ortRuns[name])}`);
    }
    modelCost.champion = ortRuns[ortOptions[0]![0]]!;
  }
  modelCost.small = probe(small.onnxPath!, {});

  const peerSkip = peerMissing();
  const servers: Served[] = [
    await start('empty route', 'empty Fastify POST route, same body', [baselineEntry], {}, '/healthz'),
    api,
    ...(Object.keys(MEMORY_ENV).length
      ? [await start(GLIBC, champion.label, [entry], apiEnv(champion, WITHOUT_MEMORY_ENV), '/readyz')]
      : []),
    await start('small model', small.label, [entry], apiEnv(small), '/readyz'),
  ];
  if (!peerSkip && champion.onnxPath) {
    servers.push(
      await start(
        'FastAPI + onnxruntime',
        'bench/peers/fastapi_onnx.py, the same model.onnx, one uvicorn worker',
        [PYTHON, path.join(pkg, 'bench/peers/fastapi_onnx.py')],
        { MODEL_PATH: champion.onnxPath },
        '/healthz',
      ),
    );
  } else log(`FastAPI peer skipped: ${peerSkip ?? 'no local ONNX file for the champion'}`);
  if ('skipped' in imageMemory) log(`the image's memory settings are not used: ${imageMemory.skipped}`);
  const apis = new Set(['champion', GLIBC, 'small model']);

  // Warm every server (JIT, onnxruntime arenas).
  for (const s of servers) {
    await cannon(s.server.port, '/predict', single, 64, 2);
    if (apis.has(s.name)) await cannon(s.server.port, '/predict/batch', batch, 4, 2);
  }

  const underLoad = sampleRss(RSS_SAMPLE_MS);
  for (const s of servers) underLoad.watch(s.name, s.server.child.pid!);

  // Closed loop, interleaved.
  for (let r = 0; r < REPEATS; r++) {
    for (const s of servers) {
      const p = await alone(s.server.child.pid!, () =>
        cannon(s.server.port, '/predict', single, 64, DURATION),
      );
      if (p.non2xx || p.errors) throw new Error(`${s.name}: failed requests ${JSON.stringify(p)}`);
      s.rps.push(p.rps);
      s.p99.push(p.p99);
      let line = `closed loop ${r + 1}/${REPEATS} ${s.name}: ${p.rps} req/s, p99 ${p.p99} ms`;
      if (apis.has(s.name)) {
        const bt = await alone(s.server.child.pid!, () =>
          cannon(s.server.port, '/predict/batch', batch, 4, DURATION),
        );
        if (bt.non2xx || bt.errors) throw new Error(`${s.name} batch: failed requests ${JSON.stringify(bt)}`);
        s.batchRows.push(bt.rps * rows.length);
        line += `, batch ${bt.rps * rows.length} rows/s`;
      }
      log(line);
    }
  }
  // Single-row latency with one connection at a light rate (300/s): no batching possible, one
  // request at a time; the open loop times answers to the µs (autocannon to the millisecond).
  const oneConnection: Record<string, number> = {};
  for (const s of servers) {
    const runs: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const t = { name: s.name, port: s.server.port, pid: s.server.child.pid! };
      runs.push((await runAt(t, single, 300, 3, { preAllocated: 1, max: 1 })).run.acceptedP50Ms);
    }
    oneConnection[s.name] = median(runs);
    log(`1 connection, 300/s, ${s.name}: p50 ${oneConnection[s.name]} ms`);
  }
  const byName = (name: string) => servers.find((s) => s.name === name)!;
  const closedMax = median(api.rps);

  // Open model on the champion: each micro-batching policy in a server of its own, interleaved.
  const policies: Served[] = [
    api,
    await start(
      'champion, adaptive window',
      'MICRO_BATCH_POLICY=adaptive',
      [entry],
      apiEnv(champion, { MICRO_BATCH_POLICY: 'adaptive' }),
      '/readyz',
    ),
    await start(
      'champion, no wait',
      'MICRO_BATCH_WAIT=0',
      [entry],
      apiEnv(champion, { MICRO_BATCH_WAIT: '0' }),
      '/readyz',
    ),
  ];
  for (const s of policies.slice(1)) {
    await cannon(s.server.port, '/predict', single, 64, 2);
    underLoad.watch(s.name, s.server.child.pid!);
  }
  const targets = policies.map((s) => ({ name: s.name, port: s.server.port, pid: s.server.child.pid! }));
  log(`open model: highest rate at p99 ≤ ${P99_GOAL_MS} ms, bisecting 0..${Math.round(closedMax * 1.2)}/s`);
  const search = await searchHighestRate(targets, single, Math.round(closedMax * 1.2), {
    steps: SEARCH_STEPS,
    runsPerStep: REPEATS,
    seconds: OPEN_DURATION,
    log,
  });
  const highest = Object.fromEntries(targets.map((t) => [t.name, search[t.name]!.best]));
  log('p99 at half the highest rate');
  const half = await p99At(
    targets.map((t) => ({ ...t, rate: Math.round(highest[t.name]! / 2) })),
    single,
    { repeats: REPEATS, seconds: OPEN_DURATION, log },
  );
  // The highest rate each found, run once more by every policy: what the same rate costs each of them.
  const atBest = await p99At(
    targets.map((t) => ({ ...t, rate: highest[api.name]! })),
    single,
    { repeats: 1, seconds: OPEN_DURATION, log },
  );

  // The policies at the same fixed rates, interleaved: p99 and the server's CPU with and without waiting.
  const fixedRates: Record<
    string,
    Record<string, { p99Ms: number; cpuPercent: number; runs: number[] }>
  > = {};
  for (const rate of AB_RATES) {
    const at = await p99At(
      targets.map((t) => ({ ...t, rate })),
      single,
      { repeats: REPEATS, seconds: OPEN_DURATION, log },
    );
    for (const t of targets) {
      const runs = at[t.name]!.runs;
      fixedRates[t.name] ??= {};
      fixedRates[t.name]![rate] = {
        p99Ms: at[t.name]!.p99Ms,
        cpuPercent: median(runs.map((r) => r.serverCpuPercent)),
        runs: runs.map((r) => r.p99Ms),
      };
    }
  }

  // Twice the closed-loop maximum on 512 connections (twice MAX_INFLIGHT): the excess is shed.
  const overloadRate = Math.round(closedMax * 2);
  const { run: overload } = await runAt(
    targets[0]!,
    single,
    overloadRate,
    DURATION,
    { preAllocated: OVERLOAD_CONNECTIONS, max: OVERLOAD_CONNECTIONS },
    10_000,
  );
  const alive = await fetch(`http://127.0.0.1:${api.server.port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  log(`overload ${overloadRate}/s: ${JSON.stringify(overload)}`);

  const loadDuring = loadAverage();
  const peak = underLoad.stop();
  const hwm: Record<string, number> = {};
  for (const s of [...servers, ...policies.slice(1)]) hwm[s.name] = peakRssMb(s.server.child.pid!);
  await new Promise((r) => setTimeout(r, RSS_SETTLE_MS));
  const after: Record<string, number> = {};
  for (const s of [...servers, ...policies.slice(1)]) after[s.name] = rssMb(s.server.child.pid!);
  for (const s of [...servers, ...policies.slice(1)]) await s.server.stop();

  // Cold start: process start → /readyz 200, model on local disk (no download).
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startServer([entry], apiEnv(champion), '/readyz');
    cold.push(s.readyMs);
    await s.stop();
  }

  const empty = byName('empty route');
  const ratio = Math.round((closedMax / median(empty.rps)) * 100) / 100;
  const openRatio = Math.round((highest[api.name]! / closedMax) * 100) / 100;
  const figures = {
    model: { label: champion.label, ...champion.stats },
    smallModel: { label: small.label, ...small.stats },
    onnxruntime: modelCost,
    closedLoop: Object.fromEntries(
      servers.map((s) => [
        s.name,
        {
          rps: median(s.rps),
          p99Ms: median(s.p99),
          ratioToEmptyRoute: Math.round((median(s.rps) / median(empty.rps)) * 100) / 100,
          oneConnectionP50Ms: oneConnection[s.name],
          ...(s.batchRows.length ? { batchRowsPerSecond: median(s.batchRows) } : {}),
          peakRssMb: peak[s.name]?.rssMb,
          peakAnonMb: peak[s.name]?.anonMb,
          hwmRssMb: hwm[s.name],
          rssAfterMb: after[s.name],
        },
      ]),
    ),
    openModel: Object.fromEntries(
      targets.map((t) => [
        t.name,
        {
          highestRateAtP99Goal: highest[t.name],
          searchSteps: search[t.name]!.steps.map((st) => `${st.rate}/s ${st.ok ? 'ok' : 'over'}`),
          ratioToClosedLoop: Math.round((highest[t.name]! / closedMax) * 100) / 100,
          halfRate: half[t.name]!.rate,
          halfRateP99Ms: half[t.name]!.p99Ms,
          atAdaptiveBest: atBest[t.name]!.runs[0],
          peakRssMb: peak[t.name]?.rssMb,
        },
      ]),
    ),
    fixedRates,
    overload: { ...overload, alive },
    coldStartMs: Math.round(median(cold)),
    ortSessionOptions: ortRuns,
    memorySettings: 'env' in imageMemory ? imageMemory.env : imageMemory,
    peer: peerSkip ? { skipped: peerSkip } : 'see closedLoop',
    loadAverage: { before: loadBefore, afterLoad: loadDuring },
  };
  const checks: [string, string, string, boolean][] = [
    [
      'closed loop /predict ÷ empty route',
      `${ratio} (${closedMax} / ${median(empty.rps)} req/s)`,
      '≥ 0.6',
      ratio >= 0.6,
    ],
    [
      `open model: highest rate at p99 ≤ ${P99_GOAL_MS} ms ÷ closed-loop max`,
      `${openRatio} (${highest[api.name]} / ${closedMax} req/s)`,
      '≥ 0.6',
      openRatio >= 0.6,
    ],
    [
      'peak RSS under load (champion)',
      `${peak[api.name]?.rssMb} MB (${after[api.name]} MB after ${RSS_SETTLE_MS / 1000} s idle; ${hwm[api.name]} MB VmHWM, with the model's loading; anonymous ${peak[api.name]?.anonMb} MB)`,
      '≤ 150 MB',
      (peak[api.name]?.rssMb ?? Number.POSITIVE_INFINITY) <= 150,
    ],
    [
      `2× overload (${overloadRate}/s) accepted p99, only 200/503, alive`,
      `${overload.statuses ? JSON.stringify(overload.statuses) : ''} dropped ${overload.dropped}, errors ${overload.errors}`,
      'only 200 and 503, no errors, alive',
      Object.keys(overload.statuses).every((s) => s === '200' || s === '503') &&
        overload.errors === 0 &&
        alive,
    ],
    [
      'cold start (start → ready, local model)',
      `${figures.coldStartMs} ms`,
      '≤ 1,500 ms',
      figures.coldStartMs <= 1500,
    ],
  ];
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    pinned: canPin ? { server: SERVER_CPU, client: CLIENT_CPU } : false,
    runtime,
    openLoopPacing: PACING,
    openLoopWarmupMs: WARMUP_MS,
    durationSeconds: DURATION,
    openDurationSeconds: OPEN_DURATION,
    repeats: REPEATS,
    searchSteps: SEARCH_STEPS,
    closedLoopRuns: Object.fromEntries(
      servers.map((s) => [s.name, { rps: s.rps, p99: s.p99, batchRows: s.batchRows }]),
    ),
    searchRuns: search,
    halfRateRuns: half,
    coldStartRunsMs: cold.map(Math.round),
  };
  await mkdir(resultsDir, { recursive: true });
  await writeFile(
    path.join(resultsDir, 'inference.json'),
    `${JSON.stringify({ figures, checks, meta }, null, 2)}\n`,
  );
  const n = (v: number | undefined) => (v === undefined ? '—' : v.toLocaleString('en-US'));
  const stats = (m: Record<string, unknown>) =>
    `${n(m.trees as number)} trees, ${n(m.nodes as number)} nodes, ${n(m.onnxBytes as number)} ONNX bytes${m.testAccuracy ? `, test accuracy ${m.testAccuracy}` : ''}`;
  const cl = figures.closedLoop;
  const md = [
    '# Inference API benchmark',
    '',
    `${meta.date}, Node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}), servers (${runtime}) on CPU ${SERVER_CPU}, load on CPU ${CLIENT_CPU}${canPin ? '' : ' (not pinned)'}; closed loop: autocannon, 64 connections, ${REPEATS} interleaved runs of ${DURATION} s, medians; open model: @covertype/loadgen, pacing ${PACING}, ${WARMUP_MS / 1000} s unmeasured warm-up, ${OPEN_DURATION} s runs. Load average before ${loadBefore.join(' / ')}, after the load runs ${loadDuring.join(' / ')}.`,
    '',
    `Champion: ${champion.label}: ${stats(champion.stats)}. Small: ${small.label}: ${stats(small.stats)}.`,
    '',
    '| model | onnxruntime, 1 row | onnxruntime, 256 rows |',
    '| --- | --- | --- |',
    ...Object.entries(modelCost).map(([k, c]) => `| ${k} | ${c.singleUs} µs | ${c.batchUsPerRow} µs/row |`),
    '',
    `The API's servers (champion and small model) run with the image's memory settings (${
      'env' in imageMemory
        ? Object.entries(imageMemory.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')
        : imageMemory.skipped
    }) unless their name says otherwise. Peak RSS: the highest of readings every ${RSS_SAMPLE_MS} ms while the load ran.`,
    '',
    '| server | /predict req/s (64 conn.) | p99 | ÷ empty route | 1 connection p50 | /predict/batch rows/s | peak RSS under load (anonymous) | RSS idle |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...Object.entries(cl).map(
      ([k, c]) =>
        `| ${k} | ${n(c.rps)} | ${c.p99Ms} ms | ${c.ratioToEmptyRoute} | ${c.oneConnectionP50Ms} ms | ${n(c.batchRowsPerSecond)} | ${c.peakRssMb} MB (${c.peakAnonMb} MB) | ${c.rssAfterMb} MB |`,
    ),
    ...(peerSkip ? ['', `FastAPI peer skipped: ${peerSkip}.`] : []),
    '',
    `| champion, micro-batching | highest rate at p99 ≤ ${P99_GOAL_MS} ms, 0 errors (bisection steps, each the majority of ${REPEATS} runs) | ÷ closed-loop max | p99 at half of it | at ${n(highest[api.name])}/s: p99, server CPU |`,
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(figures.openModel).map(
      ([k, o]) =>
        `| ${k} | ${n(o.highestRateAtP99Goal)}/s (${o.searchSteps.join(' → ')}) | ${o.ratioToClosedLoop} | ${o.halfRateP99Ms} ms at ${n(o.halfRate)}/s | ${o.atAdaptiveBest ? `${o.atAdaptiveBest.p99Ms} ms, ${o.atAdaptiveBest.serverCpuPercent} %` : '—'} |`,
    ),
    '',
    `| champion, micro-batching | ${AB_RATES.map((r) => `${n(r)}/s: p99 (runs), server CPU`).join(' | ')} |`,
    `| --- | ${AB_RATES.map(() => '---').join(' | ')} |`,
    ...Object.entries(fixedRates).map(
      ([k, byRate]) =>
        `| ${k} | ${AB_RATES.map((r) => `${byRate[r]!.p99Ms} ms (${byRate[r]!.runs.join(' / ')}), ${byRate[r]!.cpuPercent} %`).join(' | ')} |`,
    ),
    '',
    '| onnxruntime session (champion, alone) | 1 row | 256 rows | RSS: process, + session open, after mixed runs |',
    '| --- | --- | --- | --- |',
    ...Object.entries(ortRuns).map(
      ([k, c]) =>
        `| ${k} | ${c.singleUs} µs | ${c.batchUsPerRow} µs/row | ${c.rssStartMb} → ${c.rssOpenMb} → ${c.rssAfterRunsMb} MB |`,
    ),
    '',
    '| goal | measured | target | ok |',
    '| --- | --- | --- | --- |',
    ...checks.map(
      ([name, value, target, ok]) => `| ${name} | ${value} | ${target} | ${ok ? 'yes' : '**no**'} |`,
    ),
    '',
  ].join('\n');
  await writeFile(path.join(resultsDir, 'inference.md'), md);
  console.log(`\n${md}`);
}

await main().catch((err) => {
  console.error(err);
  process.exit(1);
});
