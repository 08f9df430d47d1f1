// The report as a reader sees it: report.html opened in headless Chromium, screenshotted, and the
// legends and the threshold line checked pixel by pixel against the lines they name.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import type { ConfigResult, StepResult, SweepResult } from '../sweep/types.ts';
import { writeReport } from '../sweep/write-report.ts';

const exec = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} not found: Debian's chromium package is needed (apt-get install -y chromium)`;

// Without the background-networking flags Chromium keeps dialling hosts this closed network refuses.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
  '--force-device-scale-factor=1',
];

async function chromium(userDir: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec(CHROMIUM, [...FLAGS, `--user-data-dir=${userDir}`, ...args], {
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

const step = (
  rate: number,
  served: number,
  p50: number,
  p95: number,
  p99: number,
  cpu: number[],
): StepResult => ({
  offeredRate: rate,
  achievedRate: served,
  requests: served * 8,
  errorRate: 0,
  p50Ms: p50,
  p95Ms: p95,
  p99Ms: p99,
  maxMs: p99 * 2,
  shortfall: 0,
  replicaCpuPercent: cpu,
  generatorCpuPercent: 30,
  hostCpuPercent: 50,
});

function config(replicas: number, steps: StepResult[]): ConfigResult {
  return {
    config: { replicas, cpus: 0.5, memoryMb: 500 },
    steps,
    replicas: Array.from({ length: replicas }, (_, i) => ({
      name: `replica-${i + 1}`,
      peakCpuPercent: 49,
      peakMemoryMb: 150 + 10 * i,
      restarts: 0,
      oomKilled: false,
    })),
  };
}

/** Two configurations whose two replicas scale sub-linearly, so measured and ideal lines part. */
const sweep: SweepResult = {
  mode: 'process',
  modeReason: 'forced with --mode process',
  limitsEnforced: true,
  startedAt: '2026-12-06T02:00:00.000Z',
  host: { cpus: 2, memoryMb: 24105, node: 'v20.20.2' },
  generator: 'autocannon (one thread, in the sweep process), fixed overall rate per step',
  thresholds: { p95Ms: 50, maxErrorRate: 0.01 },
  limitations: [],
  configs: [
    config(1, [
      step(200, 199, 2, 6, 12, [20]),
      step(400, 398, 3, 14, 30, [40]),
      step(800, 610, 40, 160, 300, [49]),
    ]),
    config(2, [
      step(400, 398, 2, 5, 9, [20, 20]),
      step(700, 697, 3, 20, 41, [44, 45]),
      step(1400, 1000, 50, 210, 420, [49, 49]),
    ]),
  ],
};

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Probe {
  height: number;
  charts: Array<{
    legends: Array<{ title: string; entries: Array<{ label: string; box: Box }> }>;
    /** Stroke colour of the line marks, by the aria-label that names their series. */
    lines: Array<{ label: string; stroke: string }>;
    rules: Box[];
  }>;
}

// Runs in the page: where each legend symbol, line and rule ended up on screen.
const PROBE = `<script type="application/json" id="probe"></script><script>
const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };
const charts = [...document.querySelectorAll('figure svg')].map((svg) => ({
  legends: [...svg.querySelectorAll('.role-legend')].map((g) => {
    const symbols = [...g.querySelectorAll('.role-legend-symbol path')];
    const labels = [...g.querySelectorAll('.role-legend-label text')];
    return {
      title: g.querySelector('.role-legend-title text')?.textContent ?? '',
      entries: symbols.map((s, i) => ({ label: labels[i]?.textContent ?? '', box: box(s) })),
    };
  }),
  lines: [...svg.querySelectorAll('.mark-line.role-mark path')].map((p) => ({
    label: p.getAttribute('aria-label') ?? '', stroke: p.getAttribute('stroke') ?? '' })),
  rules: [...svg.querySelectorAll('.mark-rule.role-mark line')].map(box),
}));
document.getElementById('probe').textContent =
  JSON.stringify({ height: document.documentElement.scrollHeight, charts });
</script>`;

type Rgb = [number, number, number];
const hex = (h: string): Rgb => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as Rgb;
const distance = (a: Rgb, b: Rgb) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? 0))));

class Screenshot {
  constructor(private readonly png: PNG) {}
  at(x: number, y: number): Rgb {
    const i = (this.png.width * Math.round(y) + Math.round(x)) * 4;
    const d = this.png.data;
    return [d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0];
  }
  /** Ink (non-white) runs along the middle row of a horizontal line's box: its dash pattern. */
  runs(b: Box): number[] {
    const y = b.y + b.h / 2;
    const runs: number[] = [];
    let current = 0;
    for (let x = Math.ceil(b.x); x < b.x + b.w; x++) {
      if (distance(this.at(x, y), [255, 255, 255]) > 60) current++;
      else if (current) {
        runs.push(current);
        current = 0;
      }
    }
    if (current) runs.push(current);
    return runs;
  }
}

test('in Chromium the legends show each series as it is drawn, and the threshold stands apart', {
  skip,
}, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sweep-screenshot-'));
  try {
    const files = await writeReport(sweep, dir);
    const page = path.join(dir, 'probe.html');
    await writeFile(page, (await readFile(files.html, 'utf8')).replace('</body>', `${PROBE}</body>`));
    // The same width for both runs: the page is centred, so positions depend on it.
    const dom = await chromium(
      path.join(dir, 'profile-1'),
      '--window-size=1200,1000',
      '--dump-dom',
      `file://${page}`,
    );
    const json = /<script type="application\/json" id="probe">(.*?)<\/script>/s.exec(dom)?.[1];
    assert.ok(json, `the probe did not run:\n${dom.slice(0, 500)}`);
    const probe = JSON.parse(json) as Probe;
    const shot = path.join(dir, 'report.png');
    await chromium(
      path.join(dir, 'profile-2'),
      `--screenshot=${shot}`,
      `--window-size=1200,${Math.ceil(probe.height)}`,
      `file://${page}`,
    );
    const png = new Screenshot(PNG.sync.read(await readFile(shot)));
    if (process.env.SWEEP_KEEP_SCREENSHOT)
      await writeFile(process.env.SWEEP_KEEP_SCREENSHOT, await readFile(shot));
    const [throughput, latency] = probe.charts;
    assert.ok(throughput && latency, 'three charts expected');
    const legend = (chart: Probe['charts'][number], title: string) => {
      const found = chart.legends.find((l) => l.title === title);
      assert.ok(found, `no legend "${title}" in ${JSON.stringify(chart.legends.map((l) => l.title))}`);
      return Object.fromEntries(found.entries.map((e) => [e.label, e.box]));
    };

    // Colour legends: each swatch has the colour of the lines it names.
    for (const [chart, title, field] of [
      [latency, 'configuration', 'configuration'],
      [throughput, 'limits per replica', 'limits'],
    ] as const) {
      for (const [label, box] of Object.entries(legend(chart, title))) {
        const line = chart.lines.find((l) => l.label.includes(`${field}: ${label}`));
        assert.ok(line, `no line for ${label}`);
        const swatch = png.at(box.x + box.w / 2, box.y + box.h / 2);
        assert.ok(
          distance(swatch, hex(line.stroke)) <= 12,
          `${label}: swatch ${swatch} vs line ${line.stroke}`,
        );
      }
    }

    // Dash legends: visible (not blank), p50 solid, and three patterns a reader can tell apart.
    const pct = legend(latency, 'percentile');
    const runs = Object.fromEntries(Object.entries(pct).map(([k, b]) => [k, png.runs(b)]));
    for (const [k, r] of Object.entries(runs)) assert.ok(r.length > 0, `${k}: blank legend swatch`);
    assert.equal(runs.p50?.length, 1, `p50 should be solid: ${JSON.stringify(runs)}`);
    const counts = ['p50', 'p95', 'p99'].map((k) => runs[k]?.length);
    assert.equal(new Set(counts).size, 3, `percentile swatches look alike: ${JSON.stringify(runs)}`);
    const series = legend(throughput, 'series');
    const [measured, ideal] = [series.measured, series['ideal (linear)']].map((b) => (b ? png.runs(b) : []));
    assert.equal(measured?.length, 1, `measured should be a solid line: ${JSON.stringify(measured)}`);
    assert.ok((ideal?.length ?? 0) > 1, `ideal should be dashed: ${JSON.stringify(ideal)}`);

    // The threshold is one unbroken red line: unlike p99's dots, and unlike any series' colour.
    const [rule] = latency.rules;
    assert.ok(rule, 'no threshold rule');
    const ruleRuns = png.runs(rule);
    assert.deepEqual(ruleRuns.length, 1, `threshold line is broken: ${JSON.stringify(ruleRuns)}`);
    const red = png.at(rule.x + rule.w / 3, rule.y + rule.h / 2);
    for (const line of latency.lines)
      assert.ok(distance(red, hex(line.stroke)) > 60, `threshold looks like ${line.stroke}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
