// Process mode: N inference-api processes on local ports, each in its own cgroup v1 groups with the
// configuration's CPU quota and memory limit when this host allows it, load from @covertype/loadgen's
// open-loop generator in this process (outside those groups), CPU and RSS from /proc.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@covertype/service-kit';
import type { Thresholds } from './analysis.ts';
import {
  CFS_PERIOD_US,
  type CgroupSupport,
  createReplicaGroup,
  type ReplicaGroup,
  removeGroups,
} from './cgroups.ts';
import { connectionsFor, runStep, stepFigures } from './loadgen.ts';
import { hostCpuCount, ProcSampler } from './proc-stats.ts';
import { climb, type StaircaseSettings } from './staircase.ts';
import type { ConfigResult, ReplicaUsage, StepResult, SweepConfig } from './types.ts';

export interface ProcessModeOptions {
  serverEntry: string;
  modelUri: string;
  bodies: string[];
  stepSeconds: number;
  warmupSeconds: number;
  staircase: StaircaseSettings;
  thresholds: Thresholds;
  pinCpus: boolean;
  /** From probeCgroups(): where replicas' groups go, or why limits cannot be enforced. */
  cgroups: CgroupSupport;
  /** Names this configuration's groups (unique within the sweep). */
  label: string;
  log: (line: string) => void;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Replica {
  child: ChildProcess;
  group: ReplicaGroup | undefined;
  url: string;
  output: () => string;
  exited: boolean;
}

/** Replicas still running, so a signal handler can stop them (see abortProcessMode). */
const running = new Set<ChildProcess>();

function startReplica(
  entry: string,
  port: number,
  env: NodeJS.ProcessEnv,
  core: number | undefined,
  group: ReplicaGroup | undefined,
): Replica {
  const node = [process.execPath, '--import', 'tsx', entry];
  const pinned = core === undefined ? node : ['taskset', '-c', String(core), ...node];
  const [cmd, ...args] = group ? group.wrap(pinned) : pinned;
  const child = spawn(cmd!, args, {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const replica: Replica = {
    child,
    group,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    exited: false,
  };
  running.add(child);
  child.once('exit', () => {
    replica.exited = true;
    running.delete(child);
  });
  return replica;
}

async function waitReady(r: Replica, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (r.exited) {
      const how = r.child.signalCode ? `killed by ${r.child.signalCode}` : `exit code ${r.child.exitCode}`;
      const out = r.output().trim().slice(-500);
      throw new Error(`replica exited before it was ready (${how})${out ? `: ${out}` : ''}`);
    }
    const ok = await fetch(`${r.url}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`replica ${r.url} not ready after ${timeoutMs / 1000}s: ${r.output().trim().slice(-500)}`);
}

async function stopReplica(r: Replica): Promise<void> {
  if (r.exited) return;
  r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), 5000);
  await once(r.child, 'exit').catch(() => {});
  clearTimeout(timer);
}

/** What happened to a replica: crashes, and OOM kills as the kernel counted them. */
function usage(r: Replica, i: number): ReplicaUsage {
  const oomKills = r.group?.oomKills() ?? 0;
  return {
    name: `replica-${i + 1} (pid ${r.child.pid})`,
    peakCpuPercent: 0,
    peakMemoryMb: 0,
    // A local process is not restarted: an exit during the run counts as one crash.
    restarts: r.exited ? 1 : 0,
    // The kernel's count when the replica had a memory group; else a SIGKILL nobody here sent.
    oomKilled: oomKills > 0 || r.child.signalCode === 'SIGKILL',
    ...(r.group ? { memoryLimitHits: r.group.failcnt(), cpuThrottling: r.group.throttling() } : {}),
  };
}

/** For SIGINT/SIGTERM: kills every replica still running and removes every group this sweep made. */
export function abortProcessMode(): void {
  for (const child of running) child.kill('SIGKILL');
  removeGroups();
}

export async function runProcessConfig(config: SweepConfig, o: ProcessModeOptions): Promise<ConfigResult> {
  const cores = hostCpuCount();
  const cg = o.cgroups.ok ? o.cgroups : undefined;
  // With a CFS quota replicas are not pinned, as Docker's --cpus does not pin: the quota is the limit.
  const pin = !cg && o.pinCpus && hasTaskset();
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'sweep-model-cache-'));
  const replicas: Replica[] = [];
  const groups: ReplicaGroup[] = [];
  try {
    for (let i = 0; i < config.replicas; i++) {
      const env = {
        MODEL_URI: o.modelUri,
        MODEL_POLL_SECONDS: '0',
        MODEL_CACHE_DIR: cacheDir,
        LOG_LEVEL: 'warn',
        ORT_THREADS: '1',
      };
      const group = cg && createReplicaGroup(cg, config, `${o.label}-r${i + 1}`);
      if (group) groups.push(group);
      replicas.push(startReplica(o.serverEntry, await freePort(), env, pin ? i % cores : undefined, group));
    }
    await Promise.all(replicas.map((r) => waitReady(r, 30_000)));
    // Read back what the kernel holds for each running replica: the report shows what was enforced.
    const limits = replicas.map((r) => {
      if (!r.group) return undefined;
      if (!r.group.members().includes(r.child.pid ?? -1)) {
        throw new Error(`replica pid ${r.child.pid} is not in its cgroup ${r.group.cpuDir}`);
      }
      return r.group.readBack();
    });
    const sampler = new ProcSampler(replicas.map((r) => r.child.pid ?? -1)).start();
    const urls = replicas.map((r) => r.url);
    const measure = async (rate: number, seconds: number): Promise<StepResult> => {
      const close = sampler.window();
      const m = await runStep({
        urls,
        path: '/predict',
        bodies: o.bodies,
        rate,
        durationS: seconds,
        connections: connectionsFor(rate, config.replicas),
      });
      const u = close();
      return {
        ...stepFigures(m, rate, seconds),
        replicaCpuPercent: u.cpuPercent,
        generatorCpuPercent: u.selfCpuPercent,
        hostCpuPercent: u.hostCpuPercent,
      };
    };
    if (o.warmupSeconds > 0) await measure(o.staircase.startRate / 2, o.warmupSeconds);
    const steps = await climb(
      o.staircase,
      o.thresholds,
      (rate) => measure(rate, o.stepSeconds),
      (s, note) =>
        o.log(
          `  ${Math.round(s.offeredRate)} req/s offered → ${Math.round(s.achievedRate)} served, ` +
            `p95 ${s.p95Ms.toFixed(2)} ms, errors ${(s.errorRate * 100).toFixed(2)} %, ` +
            `CPU ${s.replicaCpuPercent.map((c) => Math.round(c)).join('/')} %, generator ${Math.round(s.generatorCpuPercent ?? 0)} %${note ? ` (${note})` : ''}`,
        ),
    );
    sampler.stop();
    return {
      config,
      steps,
      replicas: replicas.map((r, i) => ({
        ...usage(r, i),
        peakCpuPercent: sampler.peakCpuPercent[i] ?? 0,
        peakMemoryMb: sampler.peakRssMb[i] ?? 0,
        ...(limits[i] ? { limits: limits[i] } : {}),
      })),
    };
  } catch (err) {
    // A replica OOM-killed while starting (a limit below what it needs) is that configuration's result.
    const seen = replicas.map(usage);
    const oom = seen.filter((u) => u.oomKilled).length;
    return {
      config,
      steps: [],
      replicas: seen,
      error: oom
        ? `${oom} replica(s) OOM-killed at the ${config.memoryMb} MB memory limit before being ready`
        : (err as Error).message,
    };
  } finally {
    await Promise.all(replicas.map(stopReplica));
    removeGroups(groups);
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/** The report's plain account of what process mode enforced and what it could not. */
export function processModeLimitations(cgroups: CgroupSupport, pinned: boolean, cores: number): string[] {
  const limits = cgroups.ok
    ? [
        `CPU and memory limits are enforced with cgroup v1, as Docker does: each replica runs in its own groups ` +
          `under ${cgroups.cpuParent} and ${cgroups.memoryParent} with cpu.cfs_quota_us = CPUs × ${CFS_PERIOD_US.toLocaleString('en-US')} µs ` +
          `per ${CFS_PERIOD_US.toLocaleString('en-US')} µs period and memory.limit_in_bytes = the memory limit (the kernel OOM-kills a replica ` +
          'beyond it; kills are read from memory.oom_control). The groups are removed when the sweep ends.',
      ]
    : [
        `CPU and memory limits are NOT enforced: ${cgroups.reason}. Replicas can use any CPU and memory, so no OOM kill ` +
          'can happen; peak RSS is reported against the nominal limit.' +
          (pinned
            ? ` Replica i is pinned to core i mod ${cores} with taskset, so one replica cannot use more than one core.`
            : ''),
      ];
  return [
    ...limits,
    `The load generator (@covertype/loadgen's open-loop generator, one thread) runs in the sweep's own process, outside ` +
      `the replicas' limits but on the same ${cores} cores; an arrival that finds all of its connections busy is dropped ` +
      'and counted as an error (k6 dropped_iterations), not queued.',
    'Replicas are reached directly, connections spread over them in turn (client-side round robin), with no load balancer in front.',
  ];
}
