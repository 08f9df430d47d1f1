import type { LogBatchInput, MetricInput } from './types.ts';

/** MLflow's per-request limits (reference §4). Metrics stay ≤100 so a retried log-batch is a no-op. */
export const BATCH_LIMITS = { metrics: 100, params: 100, tags: 100, total: 1000 } as const;
/** Values longer than this are truncated client-side (older servers answer 400 instead of truncating). */
export const VALUE_LIMITS = { param: 6000, tag: 5000, key: 250 } as const;

export interface WireMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}
export interface BatchChunk {
  metrics: WireMetric[];
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
}

const KEY_PATTERN = /^[/\w.\- :]*$/;

export function checkKey(kind: string, key: string): void {
  if (
    key.length === 0 ||
    key.length > VALUE_LIMITS.key ||
    !KEY_PATTERN.test(key) ||
    key.split('/').includes('..') ||
    key.startsWith('/')
  ) {
    throw new TypeError(
      `invalid ${kind} key ${JSON.stringify(key)}: expected 1-${VALUE_LIMITS.key} characters of letters, digits, _ - . space : /`,
    );
  }
}

/** JSON.stringify(NaN) is null, which MLflow rejects; it takes these strings instead. */
export function wireMetricValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

export function normalizeMetrics(metrics: LogBatchInput['metrics'], now = Date.now()): WireMetric[] {
  if (!metrics) return [];
  const list: MetricInput[] = Array.isArray(metrics)
    ? (metrics as MetricInput[])
    : Object.entries(metrics).map(([key, value]) => ({ key, value: value as number }));
  return list.map((m) => {
    checkKey('metric', m.key);
    if (typeof m.value !== 'number')
      throw new TypeError(`metric ${m.key}: expected a number, got ${typeof m.value}`);
    return { key: m.key, value: wireMetricValue(m.value), timestamp: m.timestamp ?? now, step: m.step ?? 0 };
  });
}

/** Splits a batch into requests within MLflow's limits, de-duplicating param keys (same key twice → 400). */
export function chunkBatch(batch: LogBatchInput, now = Date.now()): BatchChunk[] {
  const metrics = normalizeMetrics(batch.metrics, now);
  const params = Object.entries(batch.params ?? {}).map(([key, value]) => {
    checkKey('param', key);
    return { key, value: String(value).slice(0, VALUE_LIMITS.param) };
  });
  const tags = Object.entries(batch.tags ?? {}).map(([key, value]) => {
    checkKey('tag', key);
    return { key, value: String(value).slice(0, VALUE_LIMITS.tag) };
  });
  const chunks: BatchChunk[] = [];
  let mi = 0;
  let pi = 0;
  let ti = 0;
  while (mi < metrics.length || pi < params.length || ti < tags.length) {
    chunks.push({
      metrics: metrics.slice(mi, mi + BATCH_LIMITS.metrics),
      params: params.slice(pi, pi + BATCH_LIMITS.params),
      tags: tags.slice(ti, ti + BATCH_LIMITS.tags),
    });
    mi += BATCH_LIMITS.metrics;
    pi += BATCH_LIMITS.params;
    ti += BATCH_LIMITS.tags;
  }
  return chunks;
}

export function parseMetricValue(value: number | string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(value);
}
