// Process mode (no Docker engine): N inference-api processes on local ports, load from autocannon in
// this process, CPU and RSS from /proc. CPU quotas and memory limits cannot be applied here.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Thresholds } from './analysis.ts';
import { connectionsFor, runStep } from './loadgen.ts';
import { hostCpuCount, ProcSampler } from './proc-stats.ts';
import { climb, type StaircaseSettings } from './staircase.ts';
import type { ConfigResult, StepResult, SweepConfig } from './types.ts';

export interface ProcessModeOptions {
  serverEntry: string;
  modelUri: string;
  bodies: string[];
  stepSeconds: number;
  warmupSeconds: number;
  staircase: StaircaseSettings;
  thresholds: Thresholds;
  pinCpus: boolean;
  log: (line: string) => void;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address !== 'object') throw new Error('could not find a free port');
  return address.port;
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
  url: string;
  output: () => string;
  exited: boolean;
}

function startReplica(
  entry: string,
  port: number,
  env: NodeJS.ProcessEnv,
  core: number | undefined,
): Replica {
  const node = [process.execPath, '--import', 'tsx', entry];
  const [cmd, ...args] = core === undefined ? node : ['taskset', '-c', String(core), ...node];
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
  const replica: Replica = { child, url: `http://127.0.0.1:${port}`, output: () => out, exited: false };
  child.once('exit', () => {
    replica.exited = true;
  });
  return replica;
}

async function waitReady(r: Replica, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (r.exited) throw new Error(`replica exited before it was ready: ${r.output().trim().slice(-500)}`);
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

export async function runProcessConfig(config: SweepConfig, o: ProcessModeOptions): Promise<ConfigResult> {
  const cores = hostCpuCount();
  const pin = o.pinCpus && hasTaskset();
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'sweep-model-cache-'));
  const replicas: Replica[] = [];
  try {
    for (let i = 0; i < config.replicas; i++) {
      const env = {
        MODEL_URI: o.modelUri,
        MODEL_POLL_SECONDS: '0',
        MODEL_CACHE_DIR: cacheDir,
        LOG_LEVEL: 'warn',
        ORT_THREADS: '1',
      };
      replicas.push(startReplica(o.serverEntry, await freePort(), env, pin ? i % cores : undefined));
    }
    await Promise.all(replicas.map((r) => waitReady(r, 30_000)));
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
        offeredRate: rate,
        achievedRate: m.achievedRate,
        requests: m.requests,
        errorRate: m.requests ? m.errors / m.requests : 1,
        p50Ms: m.p50Ms,
        p95Ms: m.p95Ms,
        p99Ms: m.p99Ms,
        maxMs: m.maxMs,
        shortfall: Math.max(0, Math.round(rate * seconds - m.requests)),
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
        name: `replica-${i + 1} (pid ${r.child.pid})`,
        peakCpuPercent: sampler.peakCpuPercent[i] ?? 0,
        peakMemoryMb: sampler.peakRssMb[i] ?? 0,
        // A local process is not restarted: an exit during the run counts as one crash.
        restarts: r.exited ? 1 : 0,
        oomKilled: r.child.signalCode === 'SIGKILL',
      })),
    };
  } catch (err) {
    return { config, steps: [], replicas: [], error: (err as Error).message };
  } finally {
    await Promise.all(replicas.map(stopReplica));
    await rm(cacheDir, { recursive: true, force: true });
  }
}

export function processModeLimitations(pinned: boolean, cores: number): string[] {
  return [
    'CPU limits (e.g. 0.5 CPU) are not enforced: there is no container to put a CFS quota on.' +
      (pinned
        ? ` Replica i is pinned to core i mod ${cores} with taskset, so one replica cannot use more than one core.`
        : ''),
    'Memory limits (500 MB, 128 MB …) are not enforced: no cgroup, so no OOM kill can happen; peak RSS is reported.',
    `The load generator (autocannon, one thread) runs on the same ${cores} cores as the replicas, and its latencies ` +
      'exclude time a request waited for a free connection (closed-model generator with a rate limit).',
    'Replicas are reached directly, connections spread over them in turn (client-side round robin), with no load balancer in front.',
  ];
}
