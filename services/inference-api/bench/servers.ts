/** The bench's servers: started pinned to the server CPU, measured from /proc, loaded by autocannon. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, repoRoot } from '@covertype/testkit';
import autocannon from 'autocannon';
import YAML from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
export const pkg = path.resolve(here, '..');
export const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? '1';
export const CLIENT_CPU = process.env.BENCH_CLIENT_CPU ?? '0';

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** This process (the load generator) pinned to CLIENT_CPU; servers are then pinned to SERVER_CPU. */
export const canPin = (() => {
  try {
    execFileSync('taskset', ['-cp', CLIENT_CPU, String(process.pid)], { stdio: 'ignore' });
    return os.cpus().length >= 2;
  } catch {
    return false;
  }
})();

/** The variables of the inference-api service in docker-compose.yaml that set how its process uses memory. */
const MEMORY_VARIABLES = ['LD_PRELOAD', 'MALLOC_CONF', 'NODE_OPTIONS'] as const;

/**
 * The inference API's memory settings as docker-compose.yaml gives them to its image, for a process on
 * this machine: LD_PRELOAD names this machine's copy of the library (found by ldconfig). Without that
 * library, the reason instead.
 */
export function imageMemoryEnv(): { env: Record<string, string> } | { skipped: string } {
  const compose = YAML.parse(readFileSync(path.join(repoRoot, 'docker-compose.yaml'), 'utf8'), {
    merge: true,
  }) as { services: Record<string, { environment?: Record<string, string> }> };
  const declared = compose.services['inference-api']?.environment ?? {};
  const env: Record<string, string> = {};
  for (const key of MEMORY_VARIABLES) if (declared[key] !== undefined) env[key] = String(declared[key]);
  if (env.LD_PRELOAD) {
    const name = path.basename(env.LD_PRELOAD);
    let libraries = '';
    try {
      libraries = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' });
    } catch {
      return { skipped: `ldconfig is missing: cannot find ${name} on this machine` };
    }
    const found = libraries
      .split('\n')
      .map((line) => line.split(' => ')[1]?.trim())
      .find((file) => file !== undefined && path.basename(file) === name);
    if (!found) return { skipped: `${name} is not installed here (Debian: apt-get install libjemalloc2)` };
    env.LD_PRELOAD = found;
  }
  return { env };
}

/**
 * The API's entry point and the empty route's, run the same way: the production bundle when it can
 * be built, else the sources through tsx (which alone cost the empty route ~15 % of its throughput).
 */
export function entries(): { entry: string; baselineEntry: string; runtime: string } {
  if (process.env.BENCH_RUNTIME !== 'tsx') {
    const out = path.join(os.tmpdir(), 'covertype-bench-bundle');
    try {
      execFileSync(
        process.execPath,
        [
          path.join(repoRoot, 'docker/bundle.mjs'),
          'services/inference-api',
          'src/server.ts',
          out,
          'bench/baseline-server.ts',
        ],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, NODE_ENV: 'production' },
        },
      );
      return {
        entry: path.join(out, 'dist/main.mjs'),
        baselineEntry: path.join(out, 'dist/baseline-server.mjs'),
        runtime: 'bundle (docker/bundle.mjs)',
      };
    } catch (err) {
      console.warn(`cannot build the bundle (${(err as Error).message}); running the sources through tsx`);
    }
  }
  return {
    entry: path.join(pkg, 'src/server.ts'),
    baselineEntry: path.join(here, 'baseline-server.ts'),
    runtime: 'tsx',
  };
}

// Servers still running when the benchmark fails are stopped with it.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface Server {
  child: ChildProcess;
  port: number;
  readyMs: number;
  stop: () => Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

/**
 * Runs `fn` with every other server of the bench stopped (SIGSTOP), then lets them go on (SIGCONT).
 * The servers share one pinned CPU, and an idle one still wakes up (a GC, the allocator returning
 * pages): with four idle servers beside it, one server's p99 at 917 arrivals/s went from 2.8 to 19 ms.
 */
export async function alone<T>(pid: number, fn: () => Promise<T>): Promise<T> {
  const others = [...children].filter((c) => c.pid !== pid && c.exitCode === null);
  for (const c of others) c.kill('SIGSTOP');
  try {
    return await fn();
  } finally {
    for (const c of others) c.kill('SIGCONT');
  }
}

/**
 * Starts `argv` (a .ts/.mjs entry run by this Node, or any command) on SERVER_CPU with PORT set, and
 * waits until `readyPath` answers 200.
 */
export async function startServer(
  argv: string[],
  env: Record<string, string>,
  readyPath: string,
  timeoutMs = 60_000,
): Promise<Server> {
  const port = await freePort();
  const first = argv[0]!;
  const command = first.endsWith('.ts')
    ? [process.execPath, '--import', 'tsx', ...argv]
    : first.endsWith('.mjs')
      ? [process.execPath, ...argv]
      : argv;
  const [cmd, ...args] = canPin ? ['taskset', '-c', SERVER_CPU, ...command] : command;
  const started = performance.now();
  const child = spawn(cmd!, args, {
    cwd: pkg,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await waitReady(`http://127.0.0.1:${port}${readyPath}`, child, timeoutMs);
  const readyMs = performance.now() - started;
  return {
    child,
    port,
    readyMs,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function status(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024);
}
/** Resident memory now (MB). */
export const rssMb = (pid: number) => status(pid, 'VmRSS');
/**
 * Its anonymous memory now (MB): RSS less the pages of files it maps (the node binary, libonnxruntime),
 * which replicas of one image on a host share. What each more replica costs.
 */
export const anonMb = (pid: number) => status(pid, 'RssAnon');
/** The most resident memory the process ever had (MB), the model's loading included (VmHWM). */
export const peakRssMb = (pid: number) => status(pid, 'VmHWM');

/**
 * Reads the RSS (and its anonymous part) of the watched processes every `everyMs` until stopped, and
 * answers the highest each reached (MB): their peak while the load ran, which VmHWM mixes with the
 * model's loading.
 */
export function sampleRss(everyMs: number) {
  const pids = new Map<string, number>();
  const highest: Record<string, { rssMb: number; anonMb: number }> = {};
  const read = () => {
    for (const [name, pid] of pids) {
      try {
        const seen = highest[name] ?? { rssMb: 0, anonMb: 0 };
        highest[name] = {
          rssMb: Math.max(seen.rssMb, rssMb(pid)),
          anonMb: Math.max(seen.anonMb, anonMb(pid)),
        };
      } catch {
        pids.delete(name); // exited
      }
    }
  };
  const timer = setInterval(read, everyMs);
  return {
    watch(name: string, pid: number) {
      pids.set(name, pid);
    },
    stop(): Record<string, { rssMb: number; anonMb: number }> {
      clearInterval(timer);
      read();
      return highest;
    },
  };
}

/** CPU time (s) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `fn` and answers the share of one core (%) `pid` used meanwhile, with fn's result. */
export async function withCpu<T>(
  pid: number,
  fn: () => Promise<T>,
): Promise<{ result: T; cpuPercent: number }> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  const result = await fn();
  const cpuPercent = Math.round(((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100);
  return { result, cpuPercent };
}

/**
 * Closed loop: `connections` connections each sending the next request when the last is answered;
 * several bodies are sent in turn (different rows walk different tree paths: a model's cost on one
 * row sent again and again is its cost with a warm cache).
 */
export async function cannon(
  port: number,
  urlPath: string,
  body: string | readonly string[],
  connections: number,
  seconds: number,
) {
  const bodies = typeof body === 'string' ? [body] : body;
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${urlPath}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodies[0]!,
    connections,
    duration: seconds,
    ...(bodies.length > 1
      ? {
          requests: [
            {
              setupRequest: (req: { body?: string }) => {
                req.body = bodies[next++ % bodies.length]!;
                return req;
              },
            },
          ],
        }
      : {}),
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** The load average of this machine (1, 5, 15 min), to read the figures by. */
export const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);
