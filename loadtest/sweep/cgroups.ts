// CPU and memory limits for process-mode replicas with cgroup v1, the mechanism Docker uses: one group
// per replica in the `cpu` hierarchy (CFS quota) and one in `memory` (limit_in_bytes, OOM kill beyond it).
// Groups are made under the sweep's own groups, so whatever limits the sweep also bounds its replicas.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SweepConfig } from './types.ts';

/** The CFS period Docker uses: a quota of 50,000 µs per period is 0.5 CPU. */
export const CFS_PERIOD_US = 100_000;
const PREFIX = 'covertype-sweep-';

export type CgroupSupport =
  | { ok: true; cpuParent: string; memoryParent: string }
  | { ok: false; reason: string };

/** Mount points of the cgroup v1 hierarchies, by controller (cpu may share a mount with cpuacct). */
function v1Mounts(mounts: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of mounts.split('\n')) {
    const [, dir, type, options] = line.split(' ');
    if (type !== 'cgroup' || !dir || !options) continue;
    for (const opt of options.split(',')) out.set(opt, dir.replace(/\\040/g, ' '));
  }
  return out;
}

/** This process's group in the v1 hierarchy that holds `controller` ("/" at the root). */
function ownGroup(procCgroup: string, controller: string): string | undefined {
  for (const line of procCgroup.split('\n')) {
    const [, controllers, group] = line.split(':');
    if (controllers?.split(',').includes(controller)) return group;
  }
  return undefined;
}

/** Removes empty groups left by a sweep that was killed outright (SIGKILL leaves no chance to clean). */
function removeStale(parent: string): void {
  for (const name of readdirSync(parent)) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || existsSync(`/proc/${pid}`)) continue;
    try {
      rmdirSync(path.join(parent, name));
    } catch {
      // not empty (a replica of that sweep still runs) or already gone: leave it
    }
  }
}

/** Whether limits can be enforced here, and if not, why not (said in the report). */
export function probeCgroups(): CgroupSupport {
  if (process.platform !== 'linux') {
    return { ok: false, reason: `cgroups exist on Linux only (this is ${process.platform})` };
  }
  let mounts: Map<string, string>;
  let procCgroup: string;
  try {
    mounts = v1Mounts(readFileSync('/proc/self/mounts', 'utf8'));
    procCgroup = readFileSync('/proc/self/cgroup', 'utf8');
  } catch (err) {
    return {
      ok: false,
      reason: `cannot read /proc/self/mounts or /proc/self/cgroup (${(err as Error).message})`,
    };
  }
  const cpuMount = mounts.get('cpu');
  const memMount = mounts.get('memory');
  if (!cpuMount || !memMount) {
    const missing = [!cpuMount && 'cpu', !memMount && 'memory'].filter(Boolean).join(' and ');
    return {
      ok: false,
      reason: `no cgroup v1 ${missing} controller is mounted (cgroup v2 only, or a container without them); the sweep uses cgroup v1 files (cpu.cfs_quota_us, memory.limit_in_bytes)`,
    };
  }
  const cpuParent = path.join(cpuMount, ownGroup(procCgroup, 'cpu') ?? '/');
  const memoryParent = path.join(memMount, ownGroup(procCgroup, 'memory') ?? '/');
  for (const parent of [cpuParent, memoryParent]) {
    const probe = path.join(parent, `${PREFIX}${process.pid}-probe`);
    try {
      removeStale(parent);
      mkdirSync(probe);
      rmdirSync(probe);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const hint = e.code === 'EACCES' || e.code === 'EPERM' ? ': creating a group needs root' : '';
      return { ok: false, reason: `cannot create a cgroup under ${parent} (${e.code ?? e.message})${hint}` };
    }
  }
  return { ok: true, cpuParent, memoryParent };
}

/** What a replica's groups held while it ran, read back from the kernel's files. */
export interface EnforcedLimits {
  cpuGroup: string;
  memoryGroup: string;
  cpuQuotaUs: number;
  cpuPeriodUs: number;
  memoryLimitBytes: number;
}

export interface CpuThrottling {
  periods: number;
  throttled: number;
}

export interface ReplicaGroup {
  cpuDir: string;
  memoryDir: string;
  /** `sh -c` prefix that moves the shell into both groups, then execs the command: no moment outside. */
  wrap: (command: string[]) => string[];
  readBack: () => EnforcedLimits;
  /** PIDs in the groups now (both hierarchies). */
  members: () => number[];
  /** OOM kills in this group (memory.oom_control's oom_kill, kernel ≥ 4.13) and times the limit was hit. */
  oomKills: () => number;
  failcnt: () => number;
  /** CFS periods the group ran in, and how many of them its quota cut short (cpu.stat). */
  throttling: () => CpuThrottling;
  remove: () => void;
}

const read = (file: string) => readFileSync(file, 'utf8').trim();
const pids = (dir: string) =>
  existsSync(dir) ? read(path.join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number) : [];

/** Every group this process made and has not removed yet, for the exit/signal cleanup. */
const live = new Set<ReplicaGroup>();

export function createReplicaGroup(
  support: Extract<CgroupSupport, { ok: true }>,
  config: SweepConfig,
  name: string,
): ReplicaGroup {
  const dirName = `${PREFIX}${process.pid}-${name}`;
  const cpuDir = path.join(support.cpuParent, dirName);
  const memoryDir = path.join(support.memoryParent, dirName);
  mkdirSync(cpuDir);
  const group: ReplicaGroup = {
    cpuDir,
    memoryDir,
    wrap: (command) => [
      '/bin/sh',
      '-c',
      'echo $$ > "$1" && echo $$ > "$2" && shift 2 && exec "$@"',
      'sh',
      path.join(cpuDir, 'cgroup.procs'),
      path.join(memoryDir, 'cgroup.procs'),
      ...command,
    ],
    readBack: () => ({
      cpuGroup: cpuDir,
      memoryGroup: memoryDir,
      cpuQuotaUs: Number(read(path.join(cpuDir, 'cpu.cfs_quota_us'))),
      cpuPeriodUs: Number(read(path.join(cpuDir, 'cpu.cfs_period_us'))),
      memoryLimitBytes: Number(read(path.join(memoryDir, 'memory.limit_in_bytes'))),
    }),
    members: () => [...new Set([...pids(cpuDir), ...pids(memoryDir)])],
    oomKills: () => Number(/oom_kill (\d+)/.exec(read(path.join(memoryDir, 'memory.oom_control')))?.[1] ?? 0),
    failcnt: () => Number(read(path.join(memoryDir, 'memory.failcnt'))),
    throttling: () => {
      const stat = read(path.join(cpuDir, 'cpu.stat'));
      const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
      return { periods: field('nr_periods'), throttled: field('nr_throttled') };
    },
    remove: () => {
      for (const dir of [cpuDir, memoryDir]) {
        if (existsSync(dir)) rmdirSync(dir);
      }
      live.delete(group);
    },
  };
  live.add(group);
  try {
    mkdirSync(memoryDir);
    writeFileSync(path.join(cpuDir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    writeFileSync(path.join(cpuDir, 'cpu.cfs_quota_us'), String(Math.round(config.cpus * CFS_PERIOD_US)));
    writeFileSync(path.join(memoryDir, 'memory.limit_in_bytes'), String(config.memoryMb * 1024 * 1024));
  } catch (err) {
    group.remove();
    throw err;
  }
  return group;
}

/**
 * Kills whatever still runs in the groups (by default every group this process made) and removes them:
 * synchronous, so it also works from an 'exit' or signal handler. A killed process leaves its group when it exits (a throttled one may need up to
 * one CFS period to get scheduled and die), hence the short wait before rmdir.
 */
export function removeGroups(groups: ReplicaGroup[] = [...live]): void {
  for (const g of groups) {
    for (const pid of g.members()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  const deadline = Date.now() + 5000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (groups.some((g) => g.members().length) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
  for (const g of groups) {
    try {
      g.remove();
    } catch {
      // a process would not die within 5 s: the next sweep's probe removes the group once it is empty
    }
  }
}
