// Docker mode: the compose stack with the load-test overlay, `--scale inference-api=N` with CPU and
// memory limits from env, one k6 run per staircase step inside the compose network, `docker stats`
// sampled meanwhile, restarts and OOM kills from `docker inspect`.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseServingCsv } from '../lib/payloads.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import type { Thresholds } from './analysis.ts';
import { type ContainerSample, parseInspect, parseStats } from './docker-stats.ts';
import { stepFromK6Summary } from './k6-step.ts';
import { connectionsFor, runStep, stepFigures } from './loadgen.ts';
import { climb, type StaircaseSettings } from './staircase.ts';
import type { ConfigResult, StepResult, SweepConfig } from './types.ts';

const exec = promisify(execFile);

export interface DockerModeOptions {
  composeFiles: string[];
  /** The repository root (compose project directory). */
  cwd: string;
  scenario: string;
  /** Host folder of this sweep's results, inside loadtest/results (mounted at /results in k6). */
  resultsDir: string;
  stepSeconds: number;
  staircase: StaircaseSettings;
  thresholds: Thresholds;
  log: (line: string) => void;
}

const SERVICE = 'inference-api';

/**
 * Where the load comes from: `k6` (default) runs the overlay's k6 service in the compose network; `host`
 * (SWEEP_DOCKER_LOADGEN=host, where no k6 image can be had) runs the process mode's open-loop generator in
 * the sweep process, outside the limited containers, straight to the replicas' addresses on the network
 * compose created.
 */
export function dockerLoadGenerator(): 'k6' | 'host' {
  return process.env.SWEEP_DOCKER_LOADGEN === 'host' ? 'host' : 'k6';
}

export function dockerGeneratorLabel(scenario: string): string {
  return dockerLoadGenerator() === 'host'
    ? "@covertype/loadgen open loop (one thread, in the sweep process on the host, outside the limited containers) to the replicas' addresses, constant arrival rate per step"
    : `k6 (${scenario} scenario, constant-arrival-rate per step) in the compose network`;
}

function composeArgs(o: DockerModeOptions, ...rest: string[]): string[] {
  return ['compose', ...o.composeFiles.flatMap((f) => ['-f', f]), ...rest];
}

function composeEnv(config: SweepConfig): NodeJS.ProcessEnv {
  return {
    ...process.env,
    INFERENCE_REPLICAS: String(config.replicas),
    // The overlay's own limit variables (.env's INFERENCE_* apply to the plain stack only).
    LOADTEST_INFERENCE_CPUS: String(config.cpus),
    LOADTEST_INFERENCE_MEMORY: `${config.memoryMb}M`,
  };
}

/**
 * Docker mode needs Compose v2 (`docker compose`): without the plugin the docker CLI reads `compose -f` as
 * its own flags and fails with "unknown shorthand flag: 'f'". Returns the reason it cannot run, if any.
 */
export async function composeV2Missing(
  runDocker: (args: string[]) => Promise<{ stdout: string }> = (args) =>
    exec('docker', args, { timeout: 15_000 }),
): Promise<string | undefined> {
  try {
    const { stdout } = await runDocker(['compose', 'version', '--short']);
    const major = Number(/^v?(\d+)/.exec(stdout.trim())?.[1]);
    if (major >= 2) return undefined;
    return `docker compose reports version ${stdout.trim()}; the sweep's Docker mode needs Compose v2`;
  } catch {
    return (
      'Docker Compose v2 is missing (`docker compose version` fails; docker-compose 1.x is not enough): ' +
      'install the compose plugin (test/docker-e2e/setup-engine.sh does on Debian), or run with --mode process'
    );
  }
}

/** Runs a command to completion; resolves with its exit code (k6 exits 99 when thresholds fail). */
function run(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output = (output + d).slice(-8000);
    });
    child.stderr.on('data', (d) => {
      output = (output + d).slice(-8000);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Samples `docker stats` for the replicas until stopped; each call takes about a second. */
class StatsSampler {
  samples: Array<{ at: number; stats: ContainerSample[] }> = [];
  private running = true;
  private loop: Promise<void>;

  constructor(private readonly containerIds: string[]) {
    this.loop = this.sample();
  }

  private async sample(): Promise<void> {
    while (this.running) {
      try {
        const args = ['stats', '--no-stream', '--format', 'json', ...this.containerIds];
        const stats = parseStats((await exec('docker', args, { timeout: 15_000 })).stdout);
        this.samples.push({ at: Date.now(), stats });
      } catch {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Mean CPU per replica (sorted by name) between two instants. */
  meanCpu(from: number, to: number): number[] {
    const by = new Map<string, number[]>();
    for (const s of this.samples.filter((x) => x.at >= from && x.at <= to)) {
      for (const c of s.stats) by.set(c.name, [...(by.get(c.name) ?? []), c.cpuPercent]);
    }
    return [...by.keys()].sort().map((k) => {
      const v = by.get(k) ?? [];
      return v.reduce((a, b) => a + b, 0) / (v.length || 1);
    });
  }

  peaks(): Map<string, { cpu: number; mem: number }> {
    const peaks = new Map<string, { cpu: number; mem: number }>();
    for (const s of this.samples) {
      for (const c of s.stats) {
        const p = peaks.get(c.name) ?? { cpu: 0, mem: 0 };
        peaks.set(c.name, { cpu: Math.max(p.cpu, c.cpuPercent), mem: Math.max(p.mem, c.memoryMb) });
      }
    }
    return peaks;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

export async function runDockerConfig(config: SweepConfig, o: DockerModeOptions): Promise<ConfigResult> {
  const missing = await composeV2Missing();
  if (missing) throw new Error(missing);
  const env = composeEnv(config);
  const up = await run(
    composeArgs(o, 'up', '-d', '--wait', '--wait-timeout', '600', '--scale', `${SERVICE}=${config.replicas}`),
    env,
    o.cwd,
  );
  if (up.code !== 0) {
    return {
      config,
      steps: [],
      replicas: [],
      error: `docker compose up failed: ${up.output.trim().slice(-600)}`,
    };
  }
  const replicaIds = async () =>
    (await exec('docker', composeArgs(o, 'ps', '-q', SERVICE), { env, cwd: o.cwd })).stdout
      .split('\n')
      .filter(Boolean);
  const stats = new StatsSampler(await replicaIds());
  const label = `${config.replicas}x-${config.cpus}cpu-${config.memoryMb}mb`;
  // Replica addresses on the compose network; each must serve the model before a step is measured
  // (`up --wait` only waits for /healthz, and the first start trains the model first).
  const urls = await replicaUrls(await replicaIds());
  const ready = await waitReady(urls, 15 * 60_000);
  if (ready) {
    await stats.stop();
    return { config, steps: [], replicas: [], error: ready };
  }
  const host = dockerLoadGenerator() === 'host' ? hostGenerator(urls) : undefined;
  const resultsRoot = path.resolve(o.cwd, 'loadtest/results');
  let failure: string | undefined;
  const steps = await climb(
    o.staircase,
    o.thresholds,
    async (rate) => {
      if (host) {
        const from = Date.now();
        const step = await host(rate, o.stepSeconds);
        return { ...step, replicaCpuPercent: stats.meanCpu(from, Date.now()) };
      }
      const stepDir = path.join(o.resultsDir, label, `rate-${rate}`);
      await mkdir(stepDir, { recursive: true });
      const inContainer = `/results/${path.relative(resultsRoot, stepDir).split(path.sep).join('/')}`;
      const from = Date.now();
      const k6 = await run(
        composeArgs(
          o,
          '--profile',
          'loadtest',
          'run',
          '--rm',
          '--no-deps',
          '-e',
          'PROFILE=load',
          '-e',
          `RATE=${rate}`,
          '-e',
          `DURATION=${o.stepSeconds}s`,
          '-e',
          `P95_MS=${o.thresholds.p95Ms}`,
          '-e',
          `RESULTS_DIR=${inContainer}`,
          '-e',
          'K6_WEB_DASHBOARD=false',
          'k6',
          'run',
          `/scripts/scenarios/${o.scenario}.ts`,
        ),
        env,
        o.cwd,
      );
      const to = Date.now();
      const file = path.join(stepDir, `${o.scenario}-load.json`);
      const data = await readFile(file, 'utf8').then(
        (t) => JSON.parse(t) as K6SummaryData,
        () => undefined,
      );
      if (!data) {
        failure = `k6 exited ${k6.code} without a summary at ${file}: ${k6.output.trim().slice(-600)}`;
        throw new Error(failure);
      }
      return stepFromK6Summary(rate, data, {
        replicaCpuPercent: stats.meanCpu(from, to),
        generatorCpuPercent: null,
        hostCpuPercent: null,
      });
    },
    (s, note) =>
      o.log(
        `  ${Math.round(s.offeredRate)} req/s offered → ${Math.round(s.achievedRate)} served, p95 ${s.p95Ms.toFixed(2)} ms, ` +
          `errors ${(s.errorRate * 100).toFixed(2)} %${note ? ` (${note})` : ''}`,
      ),
  ).catch((err: Error) => {
    failure ??= err.message;
    return [];
  });
  await stats.stop();
  const ids = await replicaIds();
  const inspect = ids.length
    ? parseInspect(
        (
          await exec('docker', [
            'inspect',
            '--format',
            '{{.Name}} {{.RestartCount}} {{.State.OOMKilled}}',
            ...ids,
          ])
        ).stdout,
      )
    : [];
  const peaks = stats.peaks();
  return {
    config,
    steps,
    replicas: inspect
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => ({
        name: c.name,
        peakCpuPercent: peaks.get(c.name)?.cpu ?? 0,
        peakMemoryMb: peaks.get(c.name)?.mem ?? 0,
        restarts: c.restarts,
        oomKilled: c.oomKilled,
      })),
    ...(failure ? { error: failure } : {}),
  };
}

async function replicaUrls(ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const { stdout } = await exec('docker', [
    'inspect',
    '--format',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
    ...ids,
  ]);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((ip): ip is string => Boolean(ip))
    .map((ip) => `http://${ip}:8989`);
}

/** Undefined when every replica answers /readyz 200, else why not. */
async function waitReady(urls: string[], limitMs: number): Promise<string | undefined> {
  const deadline = Date.now() + limitMs;
  const pending = new Set(urls);
  while (pending.size && Date.now() < deadline) {
    for (const url of [...pending]) {
      const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) pending.delete(url);
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 2000));
  }
  return pending.size
    ? `replicas not ready within ${limitMs / 1000} s: ${[...pending].join(', ')}`
    : undefined;
}

/** One step of the host generator: the open loop at `rate` over the replicas, its own CPU measured. */
function hostGenerator(urls: string[]) {
  const dataDir = process.env.COVERTYPE_DATA_DIR ?? path.resolve(process.cwd(), '../shared/data');
  const bodies = parseServingCsv(readFileSync(path.join(dataDir, 'covertype_serving.csv'), 'utf8'), 2000).map(
    (row) => JSON.stringify(row),
  );
  return async (rate: number, seconds: number): Promise<Omit<StepResult, 'replicaCpuPercent'>> => {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const m = await runStep({
      urls,
      path: '/predict',
      bodies,
      rate,
      durationS: seconds,
      connections: connectionsFor(rate, urls.length),
    });
    const elapsedUs = Number(process.hrtime.bigint() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      ...stepFigures(m, rate, seconds),
      generatorCpuPercent: ((cpu.user + cpu.system) / elapsedUs) * 100,
      hostCpuPercent: null,
    };
  };
}

export function dockerLimitations(): string[] {
  return [
    'CPU is limited with a CFS quota (deploy.resources.limits.cpus), not pinned: code that sizes pools from the core ' +
      'count still sees every host core (the inference API runs onnxruntime with ORT_THREADS=1).',
    '`docker stats` is sampled about once a second: short peaks of CPU and memory can be missed.',
    dockerLoadGenerator() === 'host'
      ? 'The generator (@covertype/loadgen open loop, one thread) runs on the same host as the replicas, outside their CPU limits: on a small host it competes with them for CPU.'
      : 'k6 runs on the same host as the replicas: on a small host it competes with them for CPU.',
  ];
}
