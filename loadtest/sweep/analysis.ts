// From raw steps to the figures people read: sustained throughput, the knee, what limited it, and the
// scaling efficiency against one replica with the same limits.
import type { ConfigResult, StepResult, SweepResult } from './types.ts';

export interface Thresholds {
  p95Ms: number;
  maxErrorRate: number;
}

/** Share of the offered rate that must be served for a step to count as sustained. */
export const SERVED_SHARE = 0.95;

export function stepHolds(step: StepResult, t: Thresholds): boolean {
  return (
    step.p95Ms <= t.p95Ms &&
    step.errorRate <= t.maxErrorRate &&
    step.achievedRate >= SERVED_SHARE * step.offeredRate
  );
}

/** Why a step failed, in words. */
export function stepFailure(step: StepResult, t: Thresholds): string | undefined {
  const reasons: string[] = [];
  if (step.p95Ms > t.p95Ms) reasons.push(`p95 ${step.p95Ms.toFixed(1)} ms > ${t.p95Ms} ms`);
  if (step.errorRate > t.maxErrorRate) reasons.push(`errors ${(step.errorRate * 100).toFixed(2)} %`);
  if (step.achievedRate < SERVED_SHARE * step.offeredRate) {
    reasons.push(
      `served ${Math.round(step.achievedRate).toLocaleString('en-US')} of ${Math.round(step.offeredRate).toLocaleString('en-US')} req/s offered`,
    );
  }
  return reasons.length ? reasons.join(', ') : undefined;
}

export type Limit =
  | 'CPU-bound'
  | 'memory'
  | 'load generator'
  | 'shared host CPU'
  | 'latency, no resource full'
  | 'not reached'
  | 'failed';

/** How a sweep ran, as far as the verdicts depend on it. */
export interface RunConditions {
  /** CPU and memory limits were applied (Docker, or cgroups in process mode). */
  limitsEnforced: boolean;
  /** The load generator ran on the host cores the replicas use (process mode). */
  generatorSharesHost: boolean;
}

export function runConditions(result: SweepResult): RunConditions {
  return {
    limitsEnforced: result.limitsEnforced ?? result.mode === 'docker',
    generatorSharesHost: result.mode === 'process',
  };
}

const DOCKER: RunConditions = { limitsEnforced: true, generatorSharesHost: false };

/** A replica counts as CPU-bound from this share of its CPU limit (or of one core without a limit). */
export const CPU_SATURATED = 0.85;

export interface ConfigFigures {
  /** Highest achieved rate of a step that held the thresholds (0 when none did). */
  sustainedRps: number;
  /** The step at the sustained rate. */
  best?: StepResult;
  /** The first step that failed: the knee lies between best and this. */
  knee?: StepResult;
  kneeReason?: string;
  limit: Limit;
  limitDetail: string;
  peakCpuPercent: number;
  peakMemoryMb: number;
  restarts: number;
  oomKills: number;
}

function bottleneck(
  r: ConfigResult,
  at: StepResult | undefined,
  hostCpus: number,
  { limitsEnforced, generatorSharesHost }: RunConditions,
): [Limit, string] {
  const oom = r.replicas.filter((x) => x.oomKilled).length;
  const restarts = r.replicas.reduce((a, x) => a + x.restarts, 0);
  if (oom || restarts) return ['memory', `${oom} OOM kill(s), ${restarts} restart(s) under load`];
  const peakMem = Math.max(0, ...r.replicas.map((x) => x.peakMemoryMb));
  // Without enforced limits (process mode) a replica above its nominal limit just keeps running.
  if (limitsEnforced && peakMem >= 0.9 * r.config.memoryMb) {
    return ['memory', `peak memory ${Math.round(peakMem)} MB of the ${r.config.memoryMb} MB limit`];
  }
  if (!at) return ['not reached', 'every step held the thresholds: raise SWEEP_MAX_RATE to find the knee'];
  // CPU of the knee step, per replica: with a limit of `cpus` cores, ≥ 85 % of it is saturation.
  const cpu = at.replicaCpuPercent.length ? Math.max(...at.replicaCpuPercent) : 0;
  const gen = at.generatorCpuPercent ?? 0;
  const host = at.hostCpuPercent;
  if (gen >= 85) {
    return [
      'load generator',
      `the load generator used ${Math.round(gen)} % of a core (its one thread is full)`,
    ];
  }
  // Without an enforced quota a replica can use up to one core (one event loop, one onnxruntime thread).
  const cpuLimit = limitsEnforced ? r.config.cpus : 1;
  if (cpu >= CPU_SATURATED * 100 * cpuLimit) {
    return [
      'CPU-bound',
      `replicas at ${Math.round(cpu)} % of a core (limit ${Math.round(cpuLimit * 100)} %)`,
    ];
  }
  // In process mode the generator runs on the cores it measures: once replicas and generator together
  // fill most of the host, more replicas only take CPU from the generator.
  const busy = at.replicaCpuPercent.reduce((a, b) => a + b, 0) + gen;
  if (generatorSharesHost && busy >= 0.75 * hostCpus * 100) {
    return [
      'load generator',
      `replicas (${at.replicaCpuPercent.map(Math.round).join(' + ')} %) and the load generator (${Math.round(gen)} %) together used ${Math.round(busy)} % of the host's ${hostCpus} cores: the generator shares the cores it loads, so it is the bottleneck here`,
    ];
  }
  if (host !== null && host >= 90) {
    return [
      'shared host CPU',
      `the host's ${hostCpus} cores were ${Math.round(host)} % busy: replicas, load generator and other processes compete for them (the replicas got ${Math.round(cpu)} % of a core)`,
    ];
  }
  // Not CPU-bound: calling it that beside replicas at a fraction of their CPU would contradict itself.
  return [
    'latency, no resource full',
    `latency passed the threshold while the replicas used at most ${Math.round(cpu)} % of a core ` +
      `(limit ${Math.round(cpuLimit * 100)} %) and no other measured resource was full`,
  ];
}

export function configFigures(
  r: ConfigResult,
  t: Thresholds,
  hostCpus: number,
  conditions: RunConditions = DOCKER,
): ConfigFigures {
  const { limitsEnforced } = conditions;
  const peakCpuPercent = Math.max(0, ...r.replicas.map((x) => x.peakCpuPercent));
  const peakMemoryMb = Math.max(0, ...r.replicas.map((x) => x.peakMemoryMb));
  const restarts = r.replicas.reduce((a, x) => a + x.restarts, 0);
  const oomKills = r.replicas.filter((x) => x.oomKilled).length;
  if (r.error) {
    return {
      sustainedRps: 0,
      limit: 'failed',
      limitDetail: r.error,
      peakCpuPercent,
      peakMemoryMb,
      restarts,
      oomKills,
    };
  }
  let best: StepResult | undefined;
  for (const s of r.steps) if (stepHolds(s, t) && (!best || s.achievedRate > best.achievedRate)) best = s;
  const knee = r.steps.find((s) => !stepHolds(s, t));
  const [limit, detail] = bottleneck(r, knee, hostCpus, conditions);
  const peakMem = Math.max(0, ...r.replicas.map((x) => x.peakMemoryMb));
  const limitDetail =
    !limitsEnforced && peakMem > r.config.memoryMb
      ? `${detail}; peak memory ${Math.round(peakMem)} MB would exceed the ${r.config.memoryMb} MB limit (not enforced here)`
      : detail;
  return {
    sustainedRps: best?.achievedRate ?? 0,
    ...(best ? { best } : {}),
    ...(knee ? { knee, kneeReason: stepFailure(knee, t) } : {}),
    limit,
    limitDetail,
    peakCpuPercent,
    peakMemoryMb,
    restarts,
    oomKills,
  };
}

/**
 * Scaling efficiency of each configuration: throughput at N / (N × throughput of one replica with the
 * same CPU and memory limits). Undefined when the sweep has no such single-replica configuration.
 */
export function scalingEfficiency(result: SweepResult): Map<ConfigResult, number | undefined> {
  const t = result.thresholds;
  const out = new Map<ConfigResult, number | undefined>();
  for (const r of result.configs) {
    const base = result.configs.find(
      (b) =>
        b.config.replicas === 1 && b.config.cpus === r.config.cpus && b.config.memoryMb === r.config.memoryMb,
    );
    const one = base ? configFigures(base, t, result.host.cpus).sustainedRps : 0;
    const n = configFigures(r, t, result.host.cpus).sustainedRps;
    out.set(r, one > 0 ? n / (r.config.replicas * one) : undefined);
  }
  return out;
}
