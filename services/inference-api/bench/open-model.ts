/**
 * Open-model figures: single-row /predict at fixed arrival rates from @covertype/loadgen's open loop
 * (spin-paced when the generator has a CPU of its own), and the search for the highest rate a server
 * keeps at p99 ≤ P99_GOAL_MS with every arrival answered 2xx.
 */
import { type OpenLoopResult, openLoop } from '@covertype/loadgen';
import { alone, canPin, median, withCpu } from './servers.ts';

export const P99_GOAL_MS = 10;
/** Requests evenly spaced, as k6 sends them, when the generator has its CPU to itself. */
export const PACING = canPin ? 'spin' : 'timer';
/** Each run starts with this much unmeasured traffic at its rate. */
export const WARMUP_MS = 1000;
/** Enough connections that a 20 ms stall drops no arrival; a drop counts as infinitely slow. */
const CONNECTIONS = { preAllocated: 128, max: 512 };

export interface Target {
  name: string;
  port: number;
  pid: number;
}

export interface RateRun {
  rate: number;
  p99Ms: number;
  acceptedP50Ms: number;
  ok: boolean;
  dropped: number;
  errors: number;
  statuses: Record<string, number>;
  sendLagP99Ms: number;
  serverCpuPercent: number;
}

export async function runAt(
  target: Target,
  body: string | readonly string[],
  rate: number,
  seconds: number,
  connections = CONNECTIONS,
  drainMs?: number,
): Promise<{ run: RateRun; raw: OpenLoopResult }> {
  const { result: raw, cpuPercent } = await alone(target.pid, () =>
    withCpu(target.pid, () =>
      openLoop({
        url: `http://127.0.0.1:${target.port}`,
        path: '/predict',
        body,
        rate,
        durationMs: seconds * 1000,
        preAllocated: connections.preAllocated,
        maxConnections: connections.max,
        pacing: PACING,
        warmupMs: WARMUP_MS,
        ...(drainMs === undefined ? {} : { drainMs }),
      }),
    ),
  );
  const only2xx = Object.keys(raw.statuses).every((s) => s.startsWith('2'));
  const run: RateRun = {
    rate,
    p99Ms: raw.p99AllArrivals,
    acceptedP50Ms: raw.accepted.p50,
    ok: raw.p99AllArrivals <= P99_GOAL_MS && raw.dropped === 0 && raw.errors === 0 && only2xx,
    dropped: raw.dropped,
    errors: raw.errors,
    statuses: raw.statuses,
    sendLagP99Ms: raw.sendLag.p99,
    serverCpuPercent: cpuPercent,
  };
  return { run, raw };
}

export interface SearchStep {
  rate: number;
  /** p99 of each run at this rate, over all arrivals (a drop or a non-2xx answer counts as infinitely slow). */
  p99Ms: number[];
  /** Whether most runs kept p99 ≤ P99_GOAL_MS with every arrival answered 2xx. */
  ok: boolean;
}

export interface SearchResult {
  /** Highest rate that passed. */
  best: number;
  steps: SearchStep[];
}

/**
 * Bisects each target's highest passing rate in [0, hi] over `steps` steps. Each step runs its rate
 * `runsPerStep` times, the targets' runs back to back (interleaved), and passes when most runs did:
 * one stall of a shared VM (tens of ms in a 5 s run) then no longer decides a step on its own.
 */
export async function searchHighestRate(
  targets: Target[],
  body: string | readonly string[],
  hi: number,
  o: { steps: number; runsPerStep: number; seconds: number; log: (line: string) => void },
): Promise<Record<string, SearchResult>> {
  const out: Record<string, SearchResult> = Object.fromEntries(
    targets.map((t) => [t.name, { best: 0, steps: [] }]),
  );
  const bounds = new Map(targets.map((t) => [t.name, { lo: 0, hi }]));
  for (let step = 0; step < o.steps; step++) {
    const rates = new Map(
      targets.map((t) => [t.name, Math.round((bounds.get(t.name)!.lo + bounds.get(t.name)!.hi) / 2)]),
    );
    const runs = new Map<string, RateRun[]>(targets.map((t) => [t.name, []]));
    for (let r = 0; r < o.runsPerStep; r++) {
      for (const t of targets)
        runs.get(t.name)!.push((await runAt(t, body, rates.get(t.name)!, o.seconds)).run);
    }
    for (const t of targets) {
      const rs = runs.get(t.name)!;
      const rate = rates.get(t.name)!;
      const ok = rs.filter((r) => r.ok).length * 2 > rs.length;
      const b = bounds.get(t.name)!;
      if (ok) b.lo = rate;
      else b.hi = rate;
      out[t.name]!.steps.push({ rate, p99Ms: rs.map((r) => r.p99Ms), ok });
      o.log(
        `  search step ${step + 1}/${o.steps} ${t.name}: ${rate}/s → p99 ${rs.map((r) => r.p99Ms).join(' / ')} ms, dropped ${rs.map((r) => r.dropped).join(' / ')}, server CPU ${rs.map((r) => r.serverCpuPercent).join(' / ')} % ${ok ? 'ok' : 'over'}`,
      );
    }
  }
  for (const t of targets) out[t.name]!.best = bounds.get(t.name)!.lo;
  return out;
}

/** p99 of each target at its own rate, `repeats` interleaved runs: the runs and their median. */
export async function p99At(
  targets: (Target & { rate: number })[],
  body: string | readonly string[],
  o: { repeats: number; seconds: number; log: (line: string) => void },
): Promise<Record<string, { rate: number; p99Ms: number; runs: RateRun[] }>> {
  const runs = new Map<string, RateRun[]>(targets.map((t) => [t.name, []]));
  for (let r = 0; r < o.repeats; r++) {
    for (const t of targets) {
      if (t.rate <= 0) continue;
      const { run } = await runAt(t, body, t.rate, o.seconds);
      runs.get(t.name)!.push(run);
      o.log(
        `  ${t.name} at ${t.rate}/s, run ${r + 1}/${o.repeats}: p99 ${run.p99Ms} ms, CPU ${run.serverCpuPercent} %`,
      );
    }
  }
  return Object.fromEntries(
    targets.map((t) => {
      const rs = runs.get(t.name)!;
      return [
        t.name,
        { rate: t.rate, p99Ms: rs.length ? median(rs.map((x) => x.p99Ms)) : Number.NaN, runs: rs },
      ];
    }),
  );
}
