// CPU and memory of local processes from /proc (Linux), sampled on an interval: the process-mode
// counterpart of `docker stats`.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const CLK_TCK = 100; // USER_HZ: 100 on every mainstream Linux architecture

/** utime + stime of a process in seconds, or undefined once it has exited. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Resident set size in MB, or undefined once the process has exited. */
export function processRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole host (first line of /proc/stat). */
function hostTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

interface Mark {
  at: number;
  cpu: Array<number | undefined>;
  self: number;
  host: { busy: number; total: number };
}

export interface WindowUsage {
  /** % of one core per process over the window. */
  cpuPercent: number[];
  selfCpuPercent: number;
  /** % of all host cores busy over the window. */
  hostCpuPercent: number;
}

/** Samples the given processes every `intervalMs`, keeping per-process peaks; mark() opens a window. */
export class ProcSampler {
  readonly peakCpuPercent: number[];
  readonly peakRssMb: number[];
  private last: Mark;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pids: number[],
    private readonly intervalMs = 500,
  ) {
    this.peakCpuPercent = pids.map(() => 0);
    this.peakRssMb = pids.map(() => 0);
    this.last = this.snapshot();
  }

  private snapshot(): Mark {
    const self = process.cpuUsage();
    return {
      at: performance.now(),
      cpu: this.pids.map(processCpuSeconds),
      self: (self.user + self.system) / 1e6,
      host: hostTicks(),
    };
  }

  private usage(from: Mark, to: Mark): WindowUsage {
    const seconds = (to.at - from.at) / 1000 || 1;
    const hostTotal = to.host.total - from.host.total;
    return {
      cpuPercent: this.pids.map((_, i) => (((to.cpu[i] ?? 0) - (from.cpu[i] ?? 0)) / seconds) * 100),
      selfCpuPercent: ((to.self - from.self) / seconds) * 100,
      hostCpuPercent: hostTotal > 0 ? ((to.host.busy - from.host.busy) / hostTotal) * 100 : 0,
    };
  }

  private tick = () => {
    const now = this.snapshot();
    const u = this.usage(this.last, now);
    u.cpuPercent.forEach((c, i) => {
      this.peakCpuPercent[i] = Math.max(this.peakCpuPercent[i] ?? 0, c);
    });
    this.pids.forEach((pid, i) => {
      this.peakRssMb[i] = Math.max(this.peakRssMb[i] ?? 0, processRssMb(pid) ?? 0);
    });
    this.last = now;
  };

  start(): this {
    this.tick();
    this.timer = setInterval(this.tick, this.intervalMs);
    return this;
  }

  /** Opens a measurement window; the returned function closes it and gives the mean usage over it. */
  window(): () => WindowUsage {
    const from = this.snapshot();
    return () => this.usage(from, this.snapshot());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.tick();
  }
}

export const hostCpuCount = () => cpus().length;
