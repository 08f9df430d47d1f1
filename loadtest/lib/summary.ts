// The end-of-test summary: k6's handleSummary data (the format --summary-export also writes), read into
// the few numbers the sweep and people need, and a short text rendering (jslib's textSummary is remote).

export interface K6Metric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains?: 'default' | 'time' | 'data';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface K6SummaryData {
  metrics: Record<string, K6Metric>;
  root_group?: { checks?: Array<{ name: string; passes: number; fails: number }> };
  state?: { testRunDurationMs?: number; isStdOutTTY?: boolean };
  options?: Record<string, unknown>;
}

export interface RunFigures {
  durationS: number;
  requests: number;
  /** Completed requests per second over the run. */
  throughput: number;
  /** Error share of all requests (http_req_failed). */
  errorRate: number;
  avgMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  droppedIterations: number;
  checksPassRate: number;
  failedThresholds: string[];
}

export class SummaryError extends Error {
  override name = 'SummaryError';
}

/** Reads the figures from a k6 summary; a summary without http_reqs is not a load test of HTTP. */
export function readSummary(data: K6SummaryData, metric = 'http_req_duration'): RunFigures {
  if (!data || typeof data !== 'object' || typeof data.metrics !== 'object') {
    throw new SummaryError('not a k6 summary: expected an object with "metrics"');
  }
  const reqs = data.metrics['http_reqs'];
  if (!reqs) throw new SummaryError('k6 summary has no http_reqs metric: did the test send any request?');
  const d = data.metrics[metric]?.values ?? {};
  const v = (name: string, values: Record<string, number> | undefined = d) => values?.[name] ?? Number.NaN;
  const failedThresholds: string[] = [];
  for (const [name, m] of Object.entries(data.metrics)) {
    for (const [expr, { ok }] of Object.entries(m.thresholds ?? {})) {
      if (!ok) failedThresholds.push(`${name}: ${expr}`);
    }
  }
  const durationMs = data.state?.testRunDurationMs ?? Number.NaN;
  const requests = reqs.values['count'] ?? 0;
  return {
    durationS: durationMs / 1000,
    requests,
    throughput: reqs.values['rate'] ?? requests / (durationMs / 1000),
    errorRate: data.metrics['http_req_failed']?.values['rate'] ?? 0,
    avgMs: v('avg'),
    p50Ms: v('med'),
    p90Ms: v('p(90)'),
    p95Ms: v('p(95)'),
    p99Ms: v('p(99)'),
    maxMs: v('max'),
    droppedIterations: data.metrics['dropped_iterations']?.values['count'] ?? 0,
    checksPassRate: data.metrics['checks']?.values['rate'] ?? Number.NaN,
    failedThresholds,
  };
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** A compact plain-text summary: the journey's numbers, the checks and every threshold. */
export function textSummary(data: K6SummaryData, title = 'k6 summary'): string {
  const f = readSummary(data);
  const lines = [
    title,
    `  duration       ${fmt(f.durationS, 1)} s`,
    `  requests       ${f.requests} (${fmt(f.throughput, 1)}/s), failed ${fmt(f.errorRate * 100)} %`,
    `  latency ms     avg ${fmt(f.avgMs)}  p50 ${fmt(f.p50Ms)}  p90 ${fmt(f.p90Ms)}  p95 ${fmt(f.p95Ms)}  p99 ${fmt(f.p99Ms)}  max ${fmt(f.maxMs)}`,
    `  dropped iters  ${f.droppedIterations}`,
    `  checks         ${fmt(f.checksPassRate * 100)} % passed`,
  ];
  for (const c of data.root_group?.checks ?? []) {
    lines.push(`    ${c.fails === 0 ? '✓' : '✗'} ${c.name}: ${c.passes} passed, ${c.fails} failed`);
  }
  lines.push('  thresholds');
  for (const [name, m] of Object.entries(data.metrics)) {
    for (const [expr, { ok }] of Object.entries(m.thresholds ?? {})) {
      lines.push(`    ${ok ? '✓' : '✗'} ${name} ${expr}`);
    }
  }
  const custom = Object.keys(data.metrics).filter((name) => name.startsWith('covertype_'));
  if (custom.length) lines.push('  custom metrics');
  for (const name of custom) {
    const m = data.metrics[name]!;
    const shown = Object.entries(m.values)
      .map(([k, x]) => `${k}=${fmt(x)}`)
      .join(' ');
    lines.push(`    ${name} ${shown}`);
  }
  return `${lines.join('\n')}\n`;
}
