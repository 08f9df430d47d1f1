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
// Dash legends draw a line with no colour of their own: give every legend symbol a visible stroke.
const CONFIG = { legend: { symbolStrokeColor: '#444', symbolStrokeWidth: 2, labelLimit: 320 } };
const HEIGHT = 300;

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
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Sustained throughput vs replicas (p95 under threshold)',
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'replicas', type: 'quantitative', title: 'replicas', axis: { tickMinStep: 1 } },
      y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
      color: { field: 'limits', type: 'nominal', title: 'limits per replica' },
      strokeDash: { field: 'series', type: 'nominal', title: 'series', sort: ['measured', 'ideal (linear)'] },
      tooltip: [{ field: 'replicas' }, { field: 'rps' }, { field: 'series' }, { field: 'limits' }],
    },
  };
}

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
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Latency percentiles vs offered load (dotted red line: the p95 threshold)',
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'offered', type: 'quantitative', title: 'offered load (requests/s)' },
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
          color: { field: 'config', type: 'nominal', title: 'configuration' },
          strokeDash: {
            field: 'percentile',
            type: 'nominal',
            title: 'percentile',
            legend: {
              symbolType: 'stroke',
              symbolStrokeWidth: 2,
              symbolStrokeColor: '#555',
              symbolSize: 300,
            },
          },
        },
      },
      {
        data: { values: [{ ms: result.thresholds.p95Ms }] },
        mark: { type: 'rule', color: 'firebrick', strokeDash: [2, 2] },
        encoding: { y: { field: 'ms', type: 'quantitative' } },
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
      limit: r.config.memoryMb,
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Peak memory per replica (tick = the memory limit)',
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x: { field: 'config', type: 'nominal', title: null, axis: { labelAngle: -30 } },
          xOffset: { field: 'replica', type: 'nominal' },
          y: { field: 'mb', type: 'quantitative', title: 'MB' },
          color: { field: 'replica', type: 'nominal', title: 'replica' },
        },
      },
      {
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
