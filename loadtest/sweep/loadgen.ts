// The process-mode load generator: autocannon at a fixed overall rate, connections spread over the
// replicas' URLs (client-side round robin, as k6 does with roundRobin DNS), real rows as bodies.
import autocannon from 'autocannon';

// The slice of autocannon's API used here, typed locally: the workspace's type-check also sees an
// ambient `declare module 'autocannon'` (services/inference-api/bench) that would shadow @types/autocannon.
interface Options {
  url: string | string[];
  method: 'POST';
  headers: Record<string, string>;
  connections: number;
  overallRate: number;
  duration: number;
  timeout: number;
  requests: Array<{ path: string; setupRequest: (req: { body?: string }) => { body?: string } }>;
}
interface Instance {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
  ): void;
}
type Autocannon = (options: Options, done: (err: unknown, result: { errors: number }) => void) => Instance;
const run = autocannon as unknown as Autocannon;

export interface StepLoad {
  urls: string[];
  path: string;
  bodies: string[];
  rate: number;
  durationS: number;
  connections: number;
}

export interface StepMeasure {
  requests: number;
  achievedRate: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The step figures every mode records the same way from one generator step. */
export function stepFigures(m: StepMeasure, rate: number, seconds: number) {
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
  };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at] ?? Number.NaN;
}

/** Connections enough for the rate at ~10 ms each, a multiple of the replica count. */
export function connectionsFor(rate: number, replicas: number): number {
  const wanted = Math.min(256, Math.max(8 * replicas, Math.ceil(rate * 0.01)));
  return Math.ceil(wanted / replicas) * replicas;
}

export async function runStep(load: StepLoad): Promise<StepMeasure> {
  let latencies = new Float64Array(Math.ceil(load.rate * load.durationS * 1.2) + 1024);
  let n = 0;
  let failed = 0;
  let next = 0;
  const started = performance.now();
  let done!: (r: { errors: number }) => void;
  let failedRun!: (e: unknown) => void;
  const finished = new Promise<{ errors: number }>((resolve, reject) => {
    done = resolve;
    failedRun = reject;
  });
  const options: Options = {
    // Several URLs: connections are spread across them in turn.
    url: load.urls,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: load.connections,
    overallRate: load.rate,
    duration: load.durationS,
    timeout: 10,
    requests: [
      {
        path: load.path,
        setupRequest: (req) => {
          req.body = load.bodies[next++ % load.bodies.length] ?? '';
          return req;
        },
      },
    ],
  };
  const instance = run(options, (err, result) => (err ? failedRun(err) : done(result)));
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (n === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[n++] = responseTime;
    if (statusCode < 200 || statusCode >= 300) failed++;
  });
  const result = await finished;
  const seconds = Math.max(load.durationS, (performance.now() - started) / 1000);
  const sorted = latencies.subarray(0, n).sort();
  // Connection errors and timeouts never reach 'response': they are errors with no latency sample.
  const errors = failed + result.errors;
  return {
    requests: n + result.errors,
    achievedRate: n / seconds,
    errors,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  };
}
