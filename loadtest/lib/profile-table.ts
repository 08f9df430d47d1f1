// The load profiles as data: one row per profile, the k6 executor, the defaults of the settings it
// reads and, for the ramping ones, its stages. lib/profiles.ts turns the row PROFILE names into k6
// options; a new profile is a new row here.

/** A stage whose duration and target name a setting: the table stays data, the numbers come from -e. */
export interface StageTemplate {
  duration: string | 'DURATION';
  target: 'RATE' | 'MAX_RATE';
}

export interface ProfileRow {
  description: string;
  executor: 'per-vu-iterations' | 'constant-arrival-rate' | 'ramping-arrival-rate' | 'constant-vus';
  /** Defaults of the settings, overridden by -e NAME=value. */
  defaults: { RATE?: number; DURATION: string; VUS?: number };
  /** ramping-arrival-rate: fixed stages, or the STEPS-step staircase from START_RATE to MAX_RATE. */
  stages?: readonly StageTemplate[] | 'staircase';
  /** Stop the run as soon as a threshold fails (past the knee there is nothing more to learn). */
  abortOnFail: boolean;
}

export const PROFILE_TABLE = {
  smoke: {
    description: 'does the journey work at all: 1 VU, ITERATIONS iterations',
    executor: 'per-vu-iterations',
    defaults: { DURATION: '30s' },
    abortOnFail: false,
  },
  load: {
    description: 'the expected traffic: RATE journeys/s for DURATION (open model)',
    executor: 'constant-arrival-rate',
    defaults: { RATE: 200, DURATION: '2m' },
    abortOnFail: false,
  },
  stress: {
    description:
      'a staircase of STEPS steps from START_RATE to MAX_RATE, each held STEP_DURATION (open model)',
    executor: 'ramping-arrival-rate',
    defaults: { DURATION: '30s' },
    stages: 'staircase',
    abortOnFail: true,
  },
  spike: {
    description: 'RATE, a jump to MAX_RATE held DURATION, and back to RATE to see it recover (open model)',
    executor: 'ramping-arrival-rate',
    defaults: { RATE: 200, DURATION: '1m' },
    stages: [
      { duration: '30s', target: 'RATE' },
      { duration: '10s', target: 'MAX_RATE' },
      { duration: 'DURATION', target: 'MAX_RATE' },
      { duration: '10s', target: 'RATE' },
      { duration: '30s', target: 'RATE' },
    ],
    abortOnFail: true,
  },
  soak: {
    description: 'a moderate RATE for a long DURATION: leaks and slow drift (open model)',
    executor: 'constant-arrival-rate',
    defaults: { RATE: 100, DURATION: '1h' },
    abortOnFail: false,
  },
  closed: {
    description: 'VUS clients, each sending its next request when the last is answered (closed model)',
    executor: 'constant-vus',
    defaults: { VUS: 10, DURATION: '2m' },
    abortOnFail: false,
  },
} as const satisfies Record<string, ProfileRow>;

export type Profile = keyof typeof PROFILE_TABLE;
export const PROFILES = Object.keys(PROFILE_TABLE) as Profile[];
