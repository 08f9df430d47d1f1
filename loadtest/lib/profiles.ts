// Load profiles as k6 options, built from the script's environment (-e NAME=value). Pure: k6 passes
// __ENV in, tests pass a plain object, so the shapes are checked without running k6.

export const PROFILES = ['smoke', 'load', 'stress', 'spike', 'soak'] as const;
export type Profile = (typeof PROFILES)[number];

export type Env = Record<string, string | undefined>;

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
  /** Requests (iterations) per second for load and soak; the base rate for spike. */
  rate: number;
  duration: string;
  /** stress: the rate the staircase climbs to; spike: the peak. */
  maxRate: number;
  startRate: number;
  steps: number;
  stepDuration: string;
  preAllocatedVUs: number;
  maxVUs: number;
  p95Ms: number;
  p99Ms: number;
  maxErrorRate: number;
}

export class ProfileError extends Error {
  override name = 'ProfileError';
}

function num(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new ProfileError(`${name}=${JSON.stringify(raw)}: expected a number ≥ ${min}`);
  }
  return value;
}

function duration(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(raw)) {
    throw new ProfileError(`${name}=${JSON.stringify(raw)}: expected a k6 duration such as 30s, 2m or 1h30m`);
  }
  return raw;
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

const DEFAULT_DURATION: Record<Profile, string> = {
  smoke: '30s',
  load: '2m',
  stress: '30s',
  spike: '1m',
  soak: '1h',
};

/** Reads the profile and its numbers from the environment, with defaults sized for one replica. */
export function readProfileSettings(env: Env): ProfileSettings {
  const profile = (env['PROFILE'] ?? 'smoke') as Profile;
  if (!PROFILES.includes(profile)) {
    throw new ProfileError(
      `PROFILE=${JSON.stringify(env['PROFILE'])}: expected one of ${PROFILES.join(', ')}`,
    );
  }
  const rate = num(env, 'RATE', profile === 'soak' ? 100 : 200, 0.001);
  const maxRate = num(env, 'MAX_RATE', profile === 'spike' ? rate * 5 : 4000, 0.001);
  // Enough VUs to hold the rate at ~50 ms per iteration, and headroom for a saturated server.
  const peak = Math.max(rate, maxRate);
  const preAllocatedVUs = num(env, 'PRE_ALLOCATED_VUS', Math.max(10, Math.ceil(peak * 0.05)), 1);
  return {
    profile,
    rate,
    duration: duration(env, 'DURATION', DEFAULT_DURATION[profile]),
    maxRate,
    startRate: num(env, 'START_RATE', Math.max(1, Math.round(maxRate / 20))),
    steps: Math.round(num(env, 'STEPS', 10, 1)),
    stepDuration: duration(env, 'STEP_DURATION', '30s'),
    preAllocatedVUs,
    maxVUs: num(env, 'MAX_VUS', Math.max(preAllocatedVUs, Math.ceil(peak * 0.5)), 1),
    p95Ms: num(env, 'P95_MS', 100, 0.001),
    p99Ms: num(env, 'P99_MS', 250, 0.001),
    maxErrorRate: num(env, 'MAX_ERROR_RATE', 0.01),
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

function scenarioFor(s: ProfileSettings, exec: string): ScenarioOptions {
  const open = { preAllocatedVUs: s.preAllocatedVUs, maxVUs: s.maxVUs, timeUnit: '1s', exec };
  switch (s.profile) {
    case 'smoke':
      return { executor: 'per-vu-iterations', exec, vus: 1, iterations: 20, maxDuration: s.duration };
    case 'load':
    case 'soak':
      return { executor: 'constant-arrival-rate', rate: s.rate, duration: s.duration, ...open };
    case 'stress':
      return { executor: 'ramping-arrival-rate', startRate: s.startRate, stages: stressStages(s), ...open };
    case 'spike':
      return {
        executor: 'ramping-arrival-rate',
        startRate: s.rate,
        stages: [
          { duration: '30s', target: s.rate },
          { duration: '10s', target: s.maxRate },
          { duration: s.duration, target: s.maxRate },
          { duration: '10s', target: s.rate },
          { duration: '30s', target: s.rate },
        ],
        ...open,
      };
  }
}

/**
 * The k6 options for a profile. Thresholds: p95/p99 of the journey's requests, the error rate, the checks
 * and dropped iterations (an open model drops arrivals when no VU is free: that is saturation). The stress
 * profile aborts as soon as they fail, since the point is to find the knee, not to dwell past it.
 */
export function buildOptions(env: Env, exec = 'default'): LoadOptions {
  const s = readProfileSettings(env);
  const abort = s.profile === 'stress' || s.profile === 'spike';
  const t = (threshold: string): Threshold =>
    abort ? { threshold, abortOnFail: true, delayAbortEval: '10s' } : threshold;
  return {
    scenarios: { [s.profile]: { ...scenarioFor(s, exec), tags: { profile: s.profile } } },
    thresholds: {
      http_req_failed: [t(`rate<${s.maxErrorRate}`)],
      'http_req_duration{expected_response:true}': [t(`p(95)<${s.p95Ms}`), t(`p(99)<${s.p99Ms}`)],
      checks: [`rate>${1 - Math.max(s.maxErrorRate, 0.001)}`],
      dropped_iterations: [t(`count<${Math.max(10, Math.ceil(s.maxRate))}`)],
    },
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    // Every new connection goes to the next replica's address; the cache is short so replicas added by
    // `--scale` while a long test runs are picked up by the connections opened afterwards.
    dns: { ttl: env['DNS_TTL'] ?? '30s', select: 'roundRobin', policy: 'preferIPv4' },
    noVUConnectionReuse: env['NEW_CONNECTION_PER_ITERATION'] === 'true',
    setupTimeout: '120s',
    discardResponseBodies: false,
  };
}
