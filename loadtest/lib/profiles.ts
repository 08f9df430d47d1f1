// Load profiles → k6 options: the row of PROFILE_TABLE (lib/profile-table.ts) that `-e PROFILE=` names,
// with the script's settings, becomes options.scenarios and thresholds. The journeys (scenarios/)
// never change with the profile, and a profile never knows the journey.
import { type Env, readChoice, readDuration, readNumber } from './env.ts';
import { PROFILE_TABLE, PROFILES, type Profile, type ProfileRow } from './profile-table.ts';

export type { Env } from './env.ts';
export { PROFILE_TABLE, PROFILES, type Profile } from './profile-table.ts';

export interface Stage {
  duration: string;
  target: number;
}

export interface ThresholdObject {
  threshold: string;
  abortOnFail?: boolean;
  delayAbortEval?: string;
}
export type Threshold = string | ThresholdObject;

interface ScenarioBase {
  exec?: string;
  gracefulStop?: string;
  tags?: Record<string, string>;
}
interface OpenModel extends ScenarioBase {
  timeUnit: string;
  preAllocatedVUs: number;
  maxVUs: number;
}
export type ScenarioOptions =
  | (ScenarioBase & { executor: 'per-vu-iterations'; vus: number; iterations: number; maxDuration: string })
  | (ScenarioBase & { executor: 'constant-vus'; vus: number; duration: string })
  | (OpenModel & { executor: 'constant-arrival-rate'; rate: number; duration: string })
  | (OpenModel & { executor: 'ramping-arrival-rate'; startRate: number; stages: Stage[] });

export interface LoadOptions {
  scenarios: Record<string, ScenarioOptions>;
  thresholds: Record<string, Threshold[]>;
  summaryTrendStats: string[];
  dns: { ttl: string; select: 'first' | 'random' | 'roundRobin'; policy: 'preferIPv4' };
  noVUConnectionReuse: boolean;
  setupTimeout: string;
  discardResponseBodies: boolean;
}

export interface ProfileSettings {
  profile: Profile;
  /** Journeys per second for load and soak; the base rate for spike. */
  rate: number;
  duration: string;
  /** stress: the rate the staircase climbs to; spike: the peak. */
  maxRate: number;
  startRate: number;
  steps: number;
  stepDuration: string;
  /** smoke: iterations of the one VU. */
  iterations: number;
  /** closed: the number of clients. */
  vus: number;
  preAllocatedVUs: number;
  maxVUs: number;
  p95Ms: number;
  p99Ms: number;
  maxErrorRate: number;
}

/** Parses a k6 duration string ("1m30s", "250ms") to seconds. */
export function durationSeconds(value: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  // An exec loop rather than matchAll: k6's JavaScript runtime is not a full ES2020 engine.
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1);
  }
  return total;
}

/** Reads the profile and its numbers from the environment, with defaults sized for one replica. */
export function readProfileSettings(env: Env): ProfileSettings {
  const profile = readChoice(env, 'PROFILE', PROFILES, 'smoke');
  const row: ProfileRow = PROFILE_TABLE[profile];
  const rate = readNumber(env, 'RATE', row.defaults.RATE ?? 200, 0.001);
  const maxRate = readNumber(env, 'MAX_RATE', profile === 'spike' ? rate * 5 : 4000, 0.001);
  // Enough VUs to hold the rate at ~50 ms per iteration, and headroom for a saturated server.
  const peak = Math.max(rate, maxRate);
  const preAllocatedVUs = readNumber(env, 'PRE_ALLOCATED_VUS', Math.max(10, Math.ceil(peak * 0.05)), 1);
  return {
    profile,
    rate,
    duration: readDuration(env, 'DURATION', row.defaults.DURATION),
    maxRate,
    startRate: readNumber(env, 'START_RATE', Math.max(1, Math.round(maxRate / 20))),
    steps: Math.round(readNumber(env, 'STEPS', 10, 1)),
    stepDuration: readDuration(env, 'STEP_DURATION', '30s'),
    iterations: Math.round(readNumber(env, 'ITERATIONS', 20, 1)),
    vus: Math.round(readNumber(env, 'VUS', row.defaults.VUS ?? 10, 1)),
    preAllocatedVUs,
    maxVUs: readNumber(env, 'MAX_VUS', Math.max(preAllocatedVUs, Math.ceil(peak * 0.5)), 1),
    p95Ms: readNumber(env, 'P95_MS', 100, 0.001),
    p99Ms: readNumber(env, 'P99_MS', 250, 0.001),
    maxErrorRate: readNumber(env, 'MAX_ERROR_RATE', 0.01, 0, 1),
  };
}

/** The staircase of the stress profile: ramp to each step quickly, then hold it for STEP_DURATION. */
export function stressStages(s: ProfileSettings): Stage[] {
  const stages: Stage[] = [];
  for (let i = 1; i <= s.steps; i++) {
    const target = Math.round(s.startRate + ((s.maxRate - s.startRate) * i) / s.steps);
    stages.push({ duration: '5s', target }, { duration: s.stepDuration, target });
  }
  return stages;
}

/** The offered rate (iterations/s) of a ramping-arrival-rate schedule at `seconds` into the run. */
export function rateAt(startRate: number, stages: Stage[], seconds: number): number {
  let from = startRate;
  let t = seconds;
  for (const stage of stages) {
    const length = durationSeconds(stage.duration);
    if (t <= length) return length === 0 ? stage.target : from + ((stage.target - from) * t) / length;
    t -= length;
    from = stage.target;
  }
  return from;
}

/** One journey of the test and its share of the traffic (rate, VUs) when several run together. */
export interface JourneyShare {
  /** The exported function k6 runs for it. */
  exec: string;
  /** Tag value and scenario-name suffix. */
  journey: string;
  share: number;
}

/** k6 wants whole iterations per timeUnit: a fractional rate per second becomes a rate per minute. */
function perTimeUnit(rate: number): { rate: number; timeUnit: string } {
  return Number.isInteger(rate)
    ? { rate, timeUnit: '1s' }
    : { rate: Math.max(1, Math.round(rate * 60)), timeUnit: '1m' };
}

function scenarioFor(s: ProfileSettings, j: JourneyShare): ScenarioOptions {
  const row: ProfileRow = PROFILE_TABLE[s.profile];
  const scale = (n: number) => Math.max(1, Math.ceil(n * j.share));
  const base = { exec: j.exec, tags: { profile: s.profile, journey: j.journey } };
  const open = { ...base, preAllocatedVUs: scale(s.preAllocatedVUs), maxVUs: scale(s.maxVUs) };
  switch (row.executor) {
    case 'per-vu-iterations':
      return { ...base, executor: row.executor, vus: 1, iterations: s.iterations, maxDuration: s.duration };
    case 'constant-vus':
      return { ...base, executor: row.executor, vus: scale(s.vus), duration: s.duration };
    case 'constant-arrival-rate':
      return { ...open, executor: row.executor, ...perTimeUnit(s.rate * j.share), duration: s.duration };
    case 'ramping-arrival-rate': {
      const value = { RATE: s.rate, MAX_RATE: s.maxRate };
      const stages =
        row.stages === 'staircase' || row.stages === undefined
          ? stressStages(s)
          : row.stages.map((st) => ({
              duration: st.duration === 'DURATION' ? s.duration : st.duration,
              target: value[st.target],
            }));
      const start = row.stages === 'staircase' ? s.startRate : s.rate;
      const share = (n: number) => Math.round(n * j.share);
      return {
        ...open,
        executor: row.executor,
        timeUnit: '1s',
        startRate: share(start),
        stages: stages.map((st) => ({ ...st, target: share(st.target) })),
      };
    }
  }
}

/**
 * The k6 options for the profile in PROFILE, one k6 scenario per journey (named after the profile when
 * there is one journey). Thresholds: p95/p99 of the answered requests, the error rate, the checks and
 * dropped iterations (an open model drops arrivals when no VU is free: that is saturation). Profiles
 * with abortOnFail stop the run as soon as one fails, after a 10 s grace for the warm-up.
 */
export function buildOptions(
  env: Env,
  journeys: JourneyShare[] = [{ exec: 'default', journey: 'default', share: 1 }],
): LoadOptions {
  const s = readProfileSettings(env);
  const row: ProfileRow = PROFILE_TABLE[s.profile];
  const t = (threshold: string): Threshold =>
    row.abortOnFail ? { threshold, abortOnFail: true, delayAbortEval: '10s' } : threshold;
  const active = journeys.filter((j) => j.share > 0);
  const scenarios: Record<string, ScenarioOptions> = {};
  for (const j of active) {
    scenarios[active.length === 1 ? s.profile : `${s.profile}_${j.journey}`] = scenarioFor(s, j);
  }
  const thresholds: Record<string, Threshold[]> = {
    http_req_failed: [t(`rate<${s.maxErrorRate}`)],
    'http_req_duration{expected_response:true}': [t(`p(95)<${s.p95Ms}`), t(`p(99)<${s.p99Ms}`)],
    checks: [`rate>${1 - Math.max(s.maxErrorRate, 0.001)}`],
    dropped_iterations: [t(`count<${Math.max(10, Math.ceil(s.maxRate))}`)],
  };
  // With several journeys, each also meets the p95 on its own (k6 puts a tagged sub-metric in the
  // summary only when a threshold names it, so this is also what shows each journey's latency).
  if (active.length > 1) {
    for (const j of active) thresholds[`http_req_duration{journey:${j.journey}}`] = [`p(95)<${s.p95Ms}`];
  }
  return {
    scenarios,
    thresholds,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    // Every new connection goes to the next replica's address; the cache is short so replicas added by
    // `--scale` while a long test runs are picked up by the connections opened afterwards.
    dns: { ttl: env['DNS_TTL'] ?? '30s', select: 'roundRobin', policy: 'preferIPv4' },
    noVUConnectionReuse: env['NEW_CONNECTION_PER_ITERATION'] === 'true',
    setupTimeout: '120s',
    discardResponseBodies: false,
  };
}
