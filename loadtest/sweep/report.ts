// report.md and report.html from the raw results: the table, the charts and a generated analysis.
import {
  type ConfigFigures,
  configFigures,
  runConditions,
  scalingEfficiency,
  stepFailure,
  stepHolds,
} from './analysis.ts';
import type { Charts } from './charts.ts';
import { configLabel, formatMemory } from './matrix.ts';
import type { ConfigResult, SweepResult } from './types.ts';

const ms = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(x < 10 ? 2 : 1);
const pct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(2)}`;
const int = (x: number) => Math.round(x).toLocaleString('en-US');

export interface TableRow {
  configuration: string;
  sustainedRps: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  errorPercent?: number;
  peakCpuPercent: number;
  peakMemoryMb: number;
  restarts: number;
  oomKills: number;
  efficiency?: number;
  limit: string;
}

/** One row per configuration; latencies and errors are those of the step at the sustained rate. */
export function tableRows(result: SweepResult): TableRow[] {
  const eff = scalingEfficiency(result);
  return result.configs.map((r) => {
    const f = configFigures(r, result.thresholds, result.host.cpus, runConditions(result));
    const e = eff.get(r);
    return {
      configuration: configLabel(r.config),
      sustainedRps: Math.round(f.sustainedRps),
      ...(f.best
        ? {
            p50Ms: f.best.p50Ms,
            p95Ms: f.best.p95Ms,
            p99Ms: f.best.p99Ms,
            errorPercent: f.best.errorRate * 100,
          }
        : {}),
      peakCpuPercent: Math.round(f.peakCpuPercent),
      peakMemoryMb: Math.round(f.peakMemoryMb),
      restarts: f.restarts,
      oomKills: f.oomKills,
      ...(e !== undefined ? { efficiency: e } : {}),
      limit: f.limit,
    };
  });
}

function figuresOf(result: SweepResult): Array<[ConfigResult, ConfigFigures]> {
  return result.configs.map((r) => [
    r,
    configFigures(r, result.thresholds, result.host.cpus, runConditions(result)),
  ]);
}

/** How often the CPU quota held the replicas back (cgroups' cpu.stat), over the whole configuration. */
function throttlingNote(r: ConfigResult): string {
  const t = r.replicas.flatMap((x) => (x.cpuThrottling ? [x.cpuThrottling] : []));
  const periods = t.reduce((a, x) => a + x.periods, 0);
  if (!periods) return '';
  const throttled = t.reduce((a, x) => a + x.throttled, 0);
  return ` The CPU quota throttled its replicas in ${((throttled / periods) * 100).toFixed(1)} % of the CFS periods they ran in.`;
}

/** The generated analysis: the knee and its cause per configuration, then how the replicas scale. */
export function analysis(result: SweepResult): string[] {
  const lines: string[] = [];
  const figures = figuresOf(result);
  for (const [r, f] of figures) {
    const name = configLabel(r.config);
    if (f.limit === 'failed') {
      lines.push(`**${name}** could not be measured: ${f.limitDetail}.`);
      continue;
    }
    const knee = !f.knee
      ? 'no knee was reached'
      : f.best
        ? `the knee lies between ${int(f.best.offeredRate)} and ${int(f.knee.offeredRate)} req/s offered (${f.kneeReason})`
        : `even the lowest step, ${int(f.knee.offeredRate)} req/s offered, failed (${f.kneeReason})`;
    lines.push(
      `**${name}** sustains ${int(f.sustainedRps)} req/s; ${knee}. Limited by: ${f.limit} — ${f.limitDetail}.` +
        throttlingNote(r),
    );
  }
  const eff = scalingEfficiency(result);
  const scaled = figures.filter(([r]) => r.config.replicas > 1 && eff.get(r) !== undefined);
  for (const [r, f] of scaled) {
    const e = eff.get(r) ?? 0;
    const ratio = e * r.config.replicas;
    const caveat =
      f.limit === 'load generator' || f.limit === 'shared host CPU'
        ? ` The ${f.limit}, not the replicas, was the bottleneck here, so this understates what the replicas can do.`
        : e > 1.1
          ? ' Above linear: the single replica was held back by something other than its own capacity ' +
            '(host noise, a short step), so compare the two with care.'
          : '';
    lines.push(
      `${r.config.replicas} replicas reach ${ratio.toFixed(2)}× the single replica with the same limits ` +
        `(scaling efficiency ${(e * 100).toFixed(0)} %).${caveat}`,
    );
  }
  const busy = result.host.loadAvg && Math.max(...result.host.loadAvg) > result.host.cpus;
  if (busy && result.host.loadAvg) {
    lines.push(
      `The host was busy with other work: load average ${result.host.loadAvg.map((x) => x.toFixed(1)).join(' → ')} ` +
        `on ${result.host.cpus} cores (start → end of the sweep). The replicas got only part of the CPU, so these ` +
        'figures understate what they can do and vary from run to run; rerun on a quiet host to compare configurations.',
    );
  }
  const crowded = hostCrowding(result);
  if (crowded) lines.push(crowded);
  return lines;
}

/**
 * Process mode: the generator shares the host's cores. Said only for configurations whose replicas can
 * ask for more CPU than the generator leaves, and only as far as the measured scaling agrees.
 */
function hostCrowding(result: SweepResult): string | undefined {
  if (result.mode !== 'process') return undefined;
  const { limitsEnforced } = runConditions(result);
  const spare = Math.max(1, result.host.cpus - 1);
  const over = result.configs.filter(
    (r) =>
      !r.error && r.config.replicas > 1 && r.config.replicas * (limitsEnforced ? r.config.cpus : 1) > spare,
  );
  if (!over.length) return undefined;
  const eff = scalingEfficiency(result);
  const held = over.filter((r) => (eff.get(r) ?? 1) < CROWDED_EFFICIENCY);
  const names = (rs: ConfigResult[]) => rs.map((r) => configLabel(r.config)).join(', ');
  const base =
    `Process mode: the replicas of ${names(over)} can use more than the ${spare} of this host's ` +
    `${result.host.cpus} cores that the load generator leaves them`;
  return held.length
    ? `${base}; ${names(held)} scaled below ${Math.round(CROWDED_EFFICIENCY * 100)} %, likely for that reason: ` +
        'run the generator on other cores (or Docker mode on a bigger host) for their real scaling.'
    : `${base}, yet they scaled at ≥ ${Math.round(CROWDED_EFFICIENCY * 100)} % here: the host was not the limit at these rates.`;
}

/** Below this scaling efficiency a crowded host is named as the likely cause. */
const CROWDED_EFFICIENCY = 0.85;

export function markdownTable(result: SweepResult): string {
  const head =
    '| configuration | max sustained req/s | p50 ms | p95 ms | p99 ms | error % | peak CPU % / replica | peak memory / replica | restarts / OOM | scaling efficiency | limited by |';
  const rows = tableRows(result).map(
    (t) =>
      `| ${t.configuration} | ${int(t.sustainedRps)} | ${ms(t.p50Ms)} | ${ms(t.p95Ms)} | ${ms(t.p99Ms)} | ` +
      `${t.errorPercent === undefined ? '-' : t.errorPercent.toFixed(2)} | ${t.peakCpuPercent} | ` +
      `${formatMemory(t.peakMemoryMb)} | ${t.restarts} / ${t.oomKills} | ` +
      `${t.efficiency === undefined ? '-' : `${(t.efficiency * 100).toFixed(0)} %`} | ${t.limit} |`,
  );
  return [head, `|${' --- |'.repeat(11)}`, ...rows].join('\n');
}

function stepsTable(r: ConfigResult, result: SweepResult): string {
  const rows = r.steps.map(
    (s) =>
      `| ${int(s.offeredRate)} | ${int(s.achievedRate)} | ${ms(s.p50Ms)} | ${ms(s.p95Ms)} | ${ms(s.p99Ms)} | ` +
      `${pct(s.errorRate)} | ${s.replicaCpuPercent.map((c) => Math.round(c)).join(' / ') || '-'} | ` +
      `${s.generatorCpuPercent === null ? '-' : Math.round(s.generatorCpuPercent)} | ` +
      `${stepHolds(s, result.thresholds) ? 'holds' : stepFailure(s, result.thresholds)} |`,
  );
  return [
    '| offered req/s | achieved req/s | p50 ms | p95 ms | p99 ms | error % | CPU % per replica | generator CPU % | verdict |',
    `|${' --- |'.repeat(9)}`,
    ...rows,
  ].join('\n');
}

/** Why the mode ran, as recorded; older results.json files without it say only what the mode is. */
function modeLine(result: SweepResult): string {
  const what =
    result.mode === 'process'
      ? 'replicas ran as local processes'
      : 'replicas ran as containers of the compose stack';
  return `Mode: **${result.mode}** (${result.modeReason ? `${result.modeReason}; ` : ''}${what}). `;
}

function header(result: SweepResult): string[] {
  return [
    modeLine(result) +
      `Started ${result.startedAt} on ${result.host.cpus} cores, ${formatMemory(result.host.memoryMb)}, Node ${result.host.node}` +
      (result.host.loadAvg
        ? `, load average ${result.host.loadAvg.map((x) => x.toFixed(1)).join(' → ')}.`
        : '.'),
    `Load generator: ${result.generator}. A step holds when p95 ≤ ${result.thresholds.p95Ms} ms, errors ≤ ` +
      `${(result.thresholds.maxErrorRate * 100).toFixed(2)} % and ≥ 95 % of the offered rate is served.`,
  ];
}

export function renderMarkdown(result: SweepResult, chartFiles: Record<keyof Charts, string>): string {
  const out = ['# Inference API load sweep', '', ...header(result), ''];
  if (result.limitations.length) {
    out.push(
      '## Limits, and what this run could not measure',
      '',
      ...result.limitations.map((l) => `- ${l}`),
      '',
    );
  }
  out.push('## Results', '', markdownTable(result), '');
  out.push('## Analysis', '', ...analysis(result).map((l) => `- ${l}`), '');
  out.push('## Charts', '');
  out.push(`![throughput vs replicas](${chartFiles.throughput})`, '');
  out.push(`![latency vs offered load](${chartFiles.latency})`, '');
  out.push(`![memory per replica](${chartFiles.memory})`, '');
  out.push('## Steps per configuration', '');
  for (const r of result.configs) {
    out.push(`### ${configLabel(r.config)}`, '');
    if (r.error) out.push(`Not measured: ${r.error}`, '');
    else out.push(stepsTable(r, result), '');
  }
  out.push('Raw results: `results.json` beside this report.', '');
  return out.join('\n');
}

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A small Markdown → HTML step for our own output: tables, headings, bullets, bold, code, images. */
function markdownToHtml(md: string, charts: Charts, chartFiles: Record<keyof Charts, string>): string {
  const byFile = new Map(Object.entries(chartFiles).map(([k, f]) => [f, charts[k as keyof Charts]]));
  const inline = (s: string) =>
    escapeHtml(s)
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/`(.+?)`/g, '<code>$1</code>');
  const html: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const img = /^!\[(.*)\]\((.*)\)$/.exec(line);
    if (img)
      html.push(
        `<figure>${byFile.get(img[2] ?? '') ?? ''}<figcaption>${escapeHtml(img[1] ?? '')}</figcaption></figure>`,
      );
    else if (line.startsWith('### ')) html.push(`<h3>${inline(line.slice(4))}</h3>`);
    else if (line.startsWith('## ')) html.push(`<h2>${inline(line.slice(3))}</h2>`);
    else if (line.startsWith('# ')) html.push(`<h1>${inline(line.slice(2))}</h1>`);
    else if (line.startsWith('- ')) {
      html.push('<ul>');
      for (; lines[i]?.startsWith('- '); i++) html.push(`<li>${inline(lines[i]!.slice(2))}</li>`);
      i--;
      html.push('</ul>');
    } else if (line.startsWith('|')) {
      const cells = (l: string) =>
        l
          .slice(1, -1)
          .split(' | ')
          .map((c) => c.trim());
      html.push(
        `<table><thead><tr>${cells(line)
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr></thead><tbody>`,
      );
      for (i += 2; lines[i]?.startsWith('|'); i++) {
        html.push(
          `<tr>${cells(lines[i]!)
            .map((c) => `<td>${inline(c)}</td>`)
            .join('')}</tr>`,
        );
      }
      i--;
      html.push('</tbody></table>');
    } else if (line.trim()) html.push(`<p>${inline(line)}</p>`);
  }
  return html.join('\n');
}

export function renderHtml(
  result: SweepResult,
  charts: Charts,
  chartFiles: Record<keyof Charts, string>,
): string {
  const body = markdownToHtml(renderMarkdown(result, chartFiles), charts, chartFiles);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inference API load sweep — ${escapeHtml(result.startedAt)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:13px}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child,td:last-child{text-align:left}figure{margin:1.5rem 0}
figcaption{color:#666;font-size:13px}code{background:#f4f4f4;padding:0 .2rem}
</style></head><body>
${body}
</body></html>
`;
}
