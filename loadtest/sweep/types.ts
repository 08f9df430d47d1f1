// The sweep's raw results: what each mode records and what the report is built from (results.json).
import type { CpuThrottling, EnforcedLimits } from './cgroups.ts';

export interface SweepConfig {
  replicas: number;
  /** CPU limit per replica, in cores. */
  cpus: number;
  /** Memory limit per replica, in MB. */
  memoryMb: number;
}

/** One step of the stress staircase: a constant offered rate held for a while. */
export interface StepResult {
  offeredRate: number;
  /** Completed requests per second (any status). */
  achievedRate: number;
  requests: number;
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Arrivals the generator could not start (k6 dropped_iterations) or did not schedule. */
  shortfall: number;
  /** Mean CPU of each replica during the step, % of one core. */
  replicaCpuPercent: number[];
  /** CPU of the load generator during the step, % of one core (null when not measured). */
  generatorCpuPercent: number | null;
  /** Host CPU busy during the step, % of all cores (null when not measured). */
  hostCpuPercent: number | null;
}

export interface ReplicaUsage {
  name: string;
  peakCpuPercent: number;
  peakMemoryMb: number;
  restarts: number;
  oomKilled: boolean;
  /** Process mode with cgroups: times the replica's memory use hit its limit (memory.failcnt). */
  memoryLimitHits?: number;
  /** Process mode with cgroups: CFS periods run and throttled by the quota over the whole configuration. */
  cpuThrottling?: CpuThrottling;
  /** Process mode with cgroups: the quota and limit read back from the replica's groups while it ran. */
  limits?: EnforcedLimits;
}

export interface ConfigResult {
  config: SweepConfig;
  steps: StepResult[];
  replicas: ReplicaUsage[];
  /** Set when the configuration could not be measured (e.g. replicas never became ready). */
  error?: string;
}

export interface SweepResult {
  mode: 'docker' | 'process';
  /** Why this mode ran: forced by the user, or what auto-detection found (said in the report). */
  modeReason?: string;
  /** Whether the configurations' CPU and memory limits were applied (Docker, or cgroups in process mode). */
  limitsEnforced?: boolean;
  startedAt: string;
  /** loadAvg: the 1-minute load average when the sweep started and ended (other work on the host). */
  host: { cpus: number; memoryMb: number; node: string; loadAvg?: [number, number] };
  generator: string;
  thresholds: { p95Ms: number; maxErrorRate: number };
  /** What this mode could not enforce or measure, said plainly in the report. */
  limitations: string[];
  configs: ConfigResult[];
}
