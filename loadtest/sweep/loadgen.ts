// The sweep's load generator: @covertype/loadgen's open-loop generator (the one `pnpm bench` uses) at
// a fixed arrival rate per step, connections spread over the replicas' URLs (client-side round robin,
// as k6 does with roundRobin DNS), real rows as bodies.
import { openLoop } from '@covertype/loadgen';

export interface StepLoad {
  urls: string[];
  path: string;
  bodies: string[];
  rate: number;
  durationS: number;
  /** Connections opened beforehand and at most (k6: preAllocatedVUs = maxVUs). */
  connections: number;
}

export interface StepMeasure {
  requests: number;
  achievedRate: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The step figures every mode records the same way from one generator step. */
export function stepFigures(m: StepMeasure, rate: number, seconds: number) {
  return {
    offeredRate: rate,
    achievedRate: m.achievedRate,
    requests: m.requests,
    errorRate: m.requests ? m.errors / m.requests : 1,
    p50Ms: m.p50Ms,
    p95Ms: m.p95Ms,
    p99Ms: m.p99Ms,
    maxMs: m.maxMs,
    shortfall: Math.max(0, Math.round(rate * seconds - m.requests)),
  };
}

/** Connections enough for the rate at ~10 ms each, a multiple of the replica count. */
export function connectionsFor(rate: number, replicas: number): number {
  const wanted = Math.min(256, Math.max(8 * replicas, Math.ceil(rate * 0.01)));
  return Math.ceil(wanted / replicas) * replicas;
}

/**
 * One step at `rate` arrivals/s. The millisecond timer keeps the schedule (the generator shares the
 * host's cores with the replicas, so it must not spin one). Every arrival counts: one dropped for
 * want of a free connection, refused or failed is an error, and latencies are those of 2xx answers.
 */
export async function runStep(load: StepLoad): Promise<StepMeasure> {
  const r = await openLoop({
    url: load.urls,
    path: load.path,
    body: load.bodies,
    rate: load.rate,
    durationMs: load.durationS * 1000,
    preAllocated: load.connections,
    maxConnections: load.connections,
    pacing: 'timer',
    drainMs: 10_000,
  });
  const ok = r.accepted.count;
  const nan = (v: number) => (ok ? v : Number.NaN);
  return {
    requests: r.scheduled,
    achievedRate: ok / load.durationS,
    errors: r.scheduled - ok,
    p50Ms: nan(r.accepted.p50),
    p95Ms: nan(r.accepted.p95),
    p99Ms: nan(r.accepted.p99),
    maxMs: nan(r.accepted.max),
  };
}
