import { type K6SummaryData, readSummary } from '../lib/summary.ts';
import type { StepResult } from './types.ts';

/** One staircase step from the k6 summary of a constant-arrival-rate run at `offeredRate`. */
export function stepFromK6Summary(
  offeredRate: number,
  data: K6SummaryData,
  usage: { replicaCpuPercent: number[]; generatorCpuPercent: number | null; hostCpuPercent: number | null },
): StepResult {
  // Latency of answered requests only: failed ones (refused connections, 503 shedding) count as errors.
  const ok = data.metrics['http_req_duration{expected_response:true}']
    ? 'http_req_duration{expected_response:true}'
    : undefined;
  const f = readSummary(data, ok);
  return {
    offeredRate,
    achievedRate: f.throughput,
    requests: f.requests,
    errorRate: f.errorRate,
    p50Ms: f.p50Ms,
    p95Ms: f.p95Ms,
    p99Ms: f.p99Ms,
    maxMs: f.maxMs,
    shortfall: f.droppedIterations,
    ...usage,
  };
}
