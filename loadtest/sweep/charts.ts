// The report's charts as vega-lite specifications, rendered headless to SVG by vega.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { configFigures } from './analysis.ts';
import { configLabel, formatMemory } from './matrix.ts';
import type { SweepResult } from './types.ts';

export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 560;
const HEIGHT = 300;
const CONFIG = { legend: { labelLimit: 320 } };
/** Ink of the dash-pattern legends: they tell series apart by dashes, colour is another legend's. */
const DASH_INK = '#333333';

/**
 * A legend that shows each value's dash pattern as a line long enough to read it. vega-lite gives
 * such symbols no stroke of their own (they came out blank), so the stroke is set here.
 */
function dashLegend(title: string) {
  return {
    title,
    symbolType: 'stroke',
    symbolSize: 1200, // a line about 35 px long: several periods of the longest dash
    encode: { symbols: { update: { stroke: { value: DASH_INK }, strokeWidth: { value: 2.5 } } } },
  };
}

/** Integer ticks only: a chart of whole numbers must not read 0.000000 when every value is 0. */
const INTEGER_AXIS = { format: ',d', tickMinStep: 1 };

const SERIES_DASHES: Array<[string, number[]]> = [
  ['measured', [1, 0]],
  ['ideal (linear)', [8, 5]],
];

/** Sustained throughput against the replica count, with the ideal line N × (one replica). */
export function throughputSpec(result: SweepResult): vl.TopLevelSpec {
  const values: Array<{ replicas: number; rps: number; series: string; limits: string }> = [];
  const groups = new Map<string, { replicas: number; rps: number }[]>();
  for (const r of result.configs) {
    const key = `${r.config.cpus} CPU, ${formatMemory(r.config.memoryMb)}`;
    const rps = configFigures(r, result.thresholds, result.host.cpus).sustainedRps;
    groups.set(key, [...(groups.get(key) ?? []), { replicas: r.config.replicas, rps }]);
  }
  for (const [limits, points] of groups) {
    const one = points.find((p) => p.replicas === 1)?.rps;
    for (const p of points) {
      values.push({ replicas: p.replicas, rps: Math.round(p.rps), series: 'measured', limits });
      if (one !== undefined && points.length > 1) {
        values.push({
          replicas: p.replicas,
          rps: Math.round(one * p.replicas),
          series: 'ideal (linear)',
          limits,
        });
      }
    }
  }
  const maxReplicas = Math.max(2, ...values.map((v) => v.replicas));
  const maxRps = Math.max(0, ...values.map((v) => v.rps));
  const nothing = maxRps === 0;
  const present = SERIES_DASHES.filter(([series]) => values.some((v) => v.series === series));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Sustained throughput vs replicas (p95 under threshold)${nothing ? ': no configuration sustained any load' : ''}`,
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    encoding: {
      x: {
        field: 'replicas',
        type: 'quantitative',
        title: 'replicas',
        scale: { domain: [1, maxReplicas] },
        axis: INTEGER_AXIS,
      },
      y: {
        field: 'rps',
        type: 'quantitative',
        title: 'requests/s',
        // An all-zero run still gets a readable axis instead of a single tick.
        scale: nothing ? { domain: [0, 100] } : { domainMin: 0, nice: true },
        axis: INTEGER_AXIS,
      },
      color: { field: 'limits', type: 'nominal', title: 'limits per replica' },
      tooltip: [{ field: 'replicas' }, { field: 'rps' }, { field: 'series' }, { field: 'limits' }],
    },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2.5 },
        encoding: {
          strokeDash: {
            field: 'series',
            type: 'nominal',
            scale: {
              domain: present.map(([series]) => series),
              range: present.map(([, dash]) => dash),
            },
            legend: dashLegend('series'),
          },
        },
      },
      {
        // Dots only where something was measured: the ideal line is a projection, not a measurement.
        transform: [{ filter: "datum.series === 'measured'" }],
        mark: { type: 'point', filled: true, size: 60, opacity: 1 },
      },
    ],
  };
}

const PERCENTILE_DASHES = {
  domain: ['p50', 'p95', 'p99'],
  range: [
    [1, 0],
    [10, 4],
    [2, 4],
  ],
};

/** p50/p95/p99 at each offered rate, one colour per configuration, with the p95 threshold. */
export function latencySpec(result: SweepResult): vl.TopLevelSpec {
  const values = result.configs.flatMap((r) =>
    r.steps.flatMap((s) =>
      (['p50', 'p95', 'p99'] as const).map((pct) => ({
        config: configLabel(r.config),
        offered: Math.round(s.offeredRate),
        percentile: pct,
        ms: Math.max(0.01, pct === 'p50' ? s.p50Ms : pct === 'p95' ? s.p95Ms : s.p99Ms),
      })),
    ),
  );
  const threshold = result.thresholds.p95Ms;
  const latencies = values.map((v) => v.ms).filter(Number.isFinite);
  // Keep the threshold and every point in view, on whole decades so the log axis has labelled ticks.
  const low = 10 ** Math.floor(Math.log10(Math.min(threshold / 2, ...latencies)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(threshold * 1.01, ...latencies)));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Latency percentiles vs offered load (solid red line: the p95 threshold, ${threshold} ms)${values.length ? '' : ': no step was measured'}`,
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: {
            field: 'offered',
            type: 'quantitative',
            title: 'offered load (requests/s)',
            axis: INTEGER_AXIS,
          },
          y: {
            field: 'ms',
            type: 'quantitative',
            title: 'latency (ms, log scale)',
            scale: { type: 'log', domain: [low, high] },
            axis: { format: '~g' },
          },
          color: { field: 'config', type: 'nominal', title: 'configuration' },
          strokeDash: {
            field: 'percentile',
            type: 'nominal',
            scale: PERCENTILE_DASHES,
            legend: dashLegend('percentile'),
          },
        },
      },
      {
        // Solid and thicker than any percentile line: it must not be mistaken for one of them.
        data: { values: [{ ms: threshold, label: `p95 threshold ${threshold} ms` }] },
        layer: [
          {
            mark: { type: 'rule', color: 'firebrick', strokeWidth: 2.5 },
            encoding: { y: { field: 'ms', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', color: 'firebrick', align: 'right', baseline: 'bottom', dy: -3, x: WIDTH },
            encoding: { y: { field: 'ms', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
    ],
  };
}

/** Peak memory of each replica per configuration, against its limit. */
export function memorySpec(result: SweepResult): vl.TopLevelSpec {
  const values = result.configs.flatMap((r) =>
    r.replicas.map((rep, i) => ({
      config: configLabel(r.config),
      replica: i + 1,
      mb: Math.round(rep.peakMemoryMb),
    })),
  );
  // Every configuration's limit, also for one whose replicas never started.
  const limits = result.configs.map((r) => ({ config: configLabel(r.config), limit: r.config.memoryMb }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Peak memory per replica (red tick = the memory limit)',
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: {
          x: { field: 'config', type: 'nominal', title: null, axis: { labelAngle: -30 } },
          xOffset: { field: 'replica', type: 'nominal' },
          y: { field: 'mb', type: 'quantitative', title: 'MB', axis: INTEGER_AXIS },
          color: {
            field: 'replica',
            type: 'nominal',
            title: 'replica',
            ...(values.length ? {} : { legend: null }),
          },
        },
      },
      {
        data: { values: limits },
        mark: { type: 'tick', color: 'firebrick', thickness: 2 },
        encoding: {
          x: { field: 'config', type: 'nominal' },
          y: { field: 'limit', type: 'quantitative' },
        },
      },
    ],
  };
}

export interface Charts {
  throughput: string;
  latency: string;
  memory: string;
}

export async function renderCharts(result: SweepResult): Promise<Charts> {
  return {
    throughput: await renderSvg(throughputSpec(result)),
    latency: await renderSvg(latencySpec(result)),
    memory: await renderSvg(memorySpec(result)),
  };
}
