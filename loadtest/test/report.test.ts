import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { K6SummaryData } from '../lib/summary.ts';
import { configFigures } from '../sweep/analysis.ts';
import { renderCharts } from '../sweep/charts.ts';
import { parseInspect, parseStats } from '../sweep/docker-stats.ts';
import { stepFromK6Summary } from '../sweep/k6-step.ts';
import { analysis, tableRows } from '../sweep/report.ts';
import type { ConfigResult, SweepResult } from '../sweep/types.ts';
import { writeReport } from '../sweep/write-report.ts';

const fixtures = new URL('./fixtures/', import.meta.url);
const summary = async (name: string) =>
  JSON.parse(await readFile(new URL(name, fixtures), 'utf8')) as K6SummaryData;

async function recordedSweep(): Promise<SweepResult> {
  const stats = parseStats(await readFile(new URL('docker-stats.ndjson', fixtures), 'utf8'));
  const replicas = stats.filter((s) => s.name.includes('inference-api'));
  const config = async (n: number, rates: number[], cpu: number[]): Promise<ConfigResult> => ({
    config: { replicas: n, cpus: 1, memoryMb: 1536 },
    steps: await Promise.all(
      rates.map(async (rate, i) =>
        stepFromK6Summary(rate, await summary(`r${n}-rate${rate}.json`), {
          replicaCpuPercent: Array.from({ length: n }, () => cpu[i] ?? 0),
          generatorCpuPercent: 40,
          hostCpuPercent: 60,
        }),
      ),
    ),
    replicas: replicas.slice(0, n).map((s) => ({
      name: s.name,
      peakCpuPercent: s.cpuPercent,
      peakMemoryMb: s.memoryMb,
      restarts: 0,
      oomKilled: false,
    })),
  });
  return {
    mode: 'docker',
    startedAt: '2026-11-24T15:00:00.000Z',
    host: { cpus: 8, memoryMb: 32768, node: 'v20.20.2' },
    generator: 'k6 (grafana/k6:1.8.1) in the compose network',
    thresholds: { p95Ms: 100, maxErrorRate: 0.01 },
    limitations: [],
    configs: [
      await config(1, [200, 400, 600], [45, 88, 99]),
      await config(2, [400, 800, 1200], [44, 90, 99]),
    ],
  };
}

test('docker stats and inspect output are read into per-container samples', async () => {
  const stats = parseStats(await readFile(new URL('docker-stats.ndjson', fixtures), 'utf8'));
  assert.equal(stats.length, 3);
  assert.deepEqual(stats[0], {
    name: 'covertype-inference-api-1',
    cpuPercent: 97.85,
    memoryMb: 78.1,
    memoryLimitMb: 500,
  });
  assert.ok(Math.abs((stats[2]?.memoryLimitMb ?? 0) - 23.4 * 1024) < 1e-9);
  assert.deepEqual(parseInspect('/covertype-inference-api-1 2 true\n'), [
    { name: 'covertype-inference-api-1', restarts: 2, oomKilled: true },
  ]);
});

test('the knee, its cause and the scaling efficiency come from the recorded k6 summaries', async () => {
  const result = await recordedSweep();
  const [one, two] = result.configs.map((r) => configFigures(r, result.thresholds, 8));
  assert.equal(Math.round(one?.sustainedRps ?? 0), 400);
  assert.equal(one?.knee?.offeredRate, 600);
  assert.match(one?.kneeReason ?? '', /p95 231\.7 ms > 100 ms/);
  assert.equal(one?.limit, 'CPU-bound');
  assert.equal(Math.round(two?.sustainedRps ?? 0), 800);
  const rows = tableRows(result);
  assert.equal(rows[1]?.efficiency?.toFixed(2), '1.00');
  assert.equal(rows[0]?.p95Ms, 5.8);
  const text = analysis(result).join('\n');
  assert.match(text, /knee lies between 400 and 600 req\/s offered/);
  assert.match(
    text,
    /2 replicas reach 2\.00× the single replica with the same limits \(scaling efficiency 100 %\)/,
  );
  assert.doesNotMatch(text, /host was busy/);
});

test('a sweep on a busy host says its figures understate the replicas', async () => {
  const result = await recordedSweep();
  result.host.loadAvg = [12.4, 9.1];
  assert.match(
    analysis(result).join('\n'),
    /host was busy with other work: load average 12\.4 → 9\.1 on 8 cores/,
  );
});

test('the report has the table, the analysis and three SVG charts, and agrees with results.json', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sweep-report-'));
  try {
    const files = await writeReport(await recordedSweep(), dir);
    const md = await readFile(files.markdown, 'utf8');
    const raw = JSON.parse(await readFile(files.results, 'utf8')) as SweepResult;
    // Each configuration's row shows the sustained rate and the percentiles of the raw step it came from.
    for (const r of raw.configs) {
      const f = configFigures(r, raw.thresholds, raw.host.cpus);
      const row = md.split('\n').find((l) => l.startsWith(`| ${r.config.replicas} × (1 CPU, 1.5 GB) |`));
      assert.ok(row, `no table row for ${r.config.replicas} replicas`);
      const cells = row.split(' | ');
      assert.equal(cells[1], Math.round(f.sustainedRps).toLocaleString('en-US'));
      assert.equal(Number(cells[3]), f.best?.p95Ms);
    }
    assert.match(md, /Mode: \*\*docker\*\*/);
    assert.match(md, /## Analysis/);
    for (const chart of Object.values(files.charts)) {
      const svg = await readFile(path.join(dir, chart), 'utf8');
      assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.ok(svg.includes('<path') || svg.includes('<line'), `${chart} has no marks`);
    }
    const throughput = await readFile(path.join(dir, files.charts.throughput), 'utf8');
    assert.match(throughput, /ideal \(linear\)/);
    const html = await readFile(files.html, 'utf8');
    assert.equal(html.match(/<svg /g)?.length, 3);
    assert.match(html, /<table>/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('in process mode a nominal memory limit is reported as exceeded, not as the cause', async () => {
  const result = await recordedSweep();
  result.mode = 'process';
  const [one] = result.configs;
  if (!one) throw new Error('no configuration');
  one.config.memoryMb = 64;
  const text = analysis(result).join('\n');
  assert.match(
    text,
    /Limited by: CPU-bound — .*peak memory 78 MB would exceed the 64 MB limit \(not enforced here\)/,
  );
  result.mode = 'docker';
  assert.match(analysis(result).join('\n'), /Limited by: memory — peak memory 78 MB of the 64 MB limit/);
});

/** A process-mode sweep like the one that contradicted itself: the single replica's knee came with its
 * CPU at 44 % of a core, and two replicas then measured 2.25× its throughput. */
function scalingSweep(modeReason?: string): SweepResult {
  const step = (offered: number, achieved: number, p95: number, cpu: number[]) => ({
    offeredRate: offered,
    achievedRate: achieved,
    requests: achieved * 5,
    errorRate: 0,
    p50Ms: p95 / 4,
    p95Ms: p95,
    p99Ms: p95 * 2,
    maxMs: p95 * 3,
    shortfall: 0,
    replicaCpuPercent: cpu,
    generatorCpuPercent: 20,
    hostCpuPercent: 45,
  });
  const replicas = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      name: `replica-${i + 1}`,
      peakCpuPercent: 50,
      peakMemoryMb: 140,
      restarts: 0,
      oomKilled: false,
    }));
  return {
    mode: 'process',
    ...(modeReason ? { modeReason } : {}),
    limitsEnforced: false,
    startedAt: '2026-12-06T02:00:00.000Z',
    host: { cpus: 2, memoryMb: 24105, node: 'v20.20.2' },
    generator: 'autocannon',
    thresholds: { p95Ms: 50, maxErrorRate: 0.01 },
    limitations: [],
    configs: [
      {
        config: { replicas: 1, cpus: 1, memoryMb: 1536 },
        steps: [step(200, 200, 10, [20]), step(400, 400, 20, [40]), step(800, 790, 120, [44])],
        replicas: replicas(1),
      },
      {
        config: { replicas: 2, cpus: 1, memoryMb: 1536 },
        steps: [step(400, 400, 8, [20, 20]), step(900, 900, 30, [45, 45]), step(1800, 1500, 150, [60, 60])],
        replicas: replicas(2),
      },
    ],
  };
}

test('the analysis calls nothing CPU-bound below its CPU limit, nor denies the scaling it measured', () => {
  const result = scalingSweep('forced with --mode process');
  const text = analysis(result).join('\n');
  assert.match(text, /2 replicas reach 2\.25× the single replica/);
  // 44 % of a core is not CPU-bound; the verdict names what happened instead.
  assert.doesNotMatch(text, /CPU-bound — replicas at 44 %/);
  assert.match(text, /Limited by: latency, no resource full — .* at most 44 % of a core \(limit 100 %\)/);
  assert.doesNotMatch(text, /cannot add throughput/);
  assert.match(text, /scaled at ≥ 85 % here/);
  assert.match(text, /Above linear/);
  // A replica at its limit is CPU-bound, whatever else is said.
  const first = result.configs[0];
  if (first?.steps[2]) first.steps[2].replicaCpuPercent = [97];
  assert.match(
    analysis(result).join('\n'),
    /Limited by: CPU-bound — replicas at 97 % of a core \(limit 100 %\)/,
  );
});

test('a crowded host is named as the cause only when the replicas scaled poorly', () => {
  const result = scalingSweep();
  const two = result.configs[1];
  if (two?.steps[1]) two.steps[1].achievedRate = 500; // 1.25×: the generator left them too little
  if (two?.steps[1]) two.steps[1].offeredRate = 500;
  const text = analysis(result).join('\n');
  assert.match(text, /2 × \(1 CPU, 1\.5 GB\) scaled below 85 %, likely for that reason/);
});

test('the report states why the mode ran: forced, or no engine, never a guess', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sweep-mode-'));
  try {
    for (const [reason, expected] of [
      [
        'forced with --mode process',
        /Mode: \*\*process\*\* \(forced with --mode process; replicas ran as local processes\)/,
      ],
      [
        'chosen automatically: no Docker engine (`docker info` failed)',
        /Mode: \*\*process\*\* \(chosen automatically: no Docker engine \(`docker info` failed\); replicas ran/,
      ],
    ] as const) {
      const files = await writeReport(scalingSweep(reason), path.join(dir, reason.length.toString()));
      const md = await readFile(files.markdown, 'utf8');
      assert.match(md, expected);
      if (reason.startsWith('forced')) assert.doesNotMatch(md, /Docker engine/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('charts of a run that sustained nothing have integer axes, never 0.000000', async () => {
  const result = scalingSweep();
  for (const r of result.configs) for (const s of r.steps) s.p95Ms = 500; // every step fails
  const charts = await renderCharts(result);
  for (const [name, svg] of Object.entries(charts)) {
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
    assert.ok(!labels.some((l) => /^-?\d+\.\d{3,}$/.test(l)), `${name}: ${labels.join(' | ')}`);
  }
  assert.match(charts.throughput, /no configuration sustained any load/);
});
