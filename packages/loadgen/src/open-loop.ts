import net from 'node:net';

/**
 * An open-loop HTTP/1.1 load generator with the semantics of k6's `constant-arrival-rate`
 * executor: arrivals follow the schedule whether or not earlier requests were answered; each one
 * takes a free connection (k6: a free VU), opening another up to `maxConnections` (k6: maxVUs);
 * when every connection is busy the arrival is dropped and counted (k6: dropped_iterations), not
 * queued in the client. Latency is k6's http_req_duration: from the request's write to the end of
 * its answer. How late the generator itself sent each request against its schedule is reported
 * apart (`sendLag`), so a generator that cannot keep up is visible rather than billed to the server.
 *
 * autocannon is not used here: its rate limit sends each connection's quota in a burst at the
 * start of every second, which is not a constant arrival rate.
 */
export interface OpenLoopOptions {
  /**
   * Where to send: one origin (`http://127.0.0.1:8989`) or several, each new connection opened to
   * the next in turn (client-side round robin, as k6 with round-robin DNS).
   */
  url: string | readonly string[];
  path: string;
  /** The JSON body of every request, or several taken in turn, one per arrival. */
  body: string | readonly string[];
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Connections opened before the schedule starts (k6: preAllocatedVUs). */
  preAllocated?: number;
  /** Connections opened as needed up to this many (k6: maxVUs); beyond it arrivals are dropped. */
  maxConnections: number;
  /** After the schedule ends, how long to wait for the last answers. */
  drainMs?: number;
  /**
   * Arrivals at the same rate before the measured `durationMs`, left out of every figure (as
   * wrk2's calibration period): from a fresh generator process every answer slower than 50 ms came
   * in a run's first 120 ms, on fresh connections, and the stall opened hundreds more at once.
   */
  warmupMs?: number;
  /**
   * How the schedule is kept. `timer` (default) looks at it every millisecond, so requests leave in
   * bursts of rate/1000 or more; a server that handles a burst in one event-loop turn then answers
   * its last request a burst's worth later. `spin` looks at it on every turn of the generator's
   * event loop and sends each request within microseconds of its time, as k6 does, but keeps a CPU
   * busy: use it only when the generator has a core of its own.
   */
  pacing?: Pacing;
  /** The clock and the wait between looks at the schedule; tests inject their own. */
  pacer?: Pacer;
}

export type Pacing = 'timer' | 'spin';

/** Where the schedule reads the time and how it waits for its next look. */
export interface Pacer {
  now(): number;
  /** Calls `fn` at the next look: `spin` on the event loop's next turn, `timer` after at least 1 ms. */
  next(pacing: Pacing, fn: () => void): void;
}

export const realPacer: Pacer = {
  now: () => performance.now(),
  next: (pacing, fn) => {
    if (pacing === 'spin') setImmediate(fn);
    else setTimeout(fn, 1);
  },
};

export interface ScheduleOptions {
  /** Arrivals per second. */
  rate: number;
  /** Arrivals in all. */
  total: number;
  pacing: Pacing;
  pacer: Pacer;
  /** Called once per arrival, in order, at the first look at or after its time `at`. */
  arrive: (index: number, at: number) => void;
}

/**
 * Walks a constant-arrival-rate schedule: arrival i is due at start + i / rate. Each look sends every
 * arrival that has come due since the last, so a late look (a busy machine) sends late, never skips
 * or repeats one. The schedule starts 5 ms after the call, when the first look is taken.
 */
export function runSchedule({ rate, total, pacing, pacer, arrive }: ScheduleOptions): Promise<void> {
  const interval = 1000 / rate;
  const t0 = pacer.now() + 5;
  let scheduled = 0;
  return new Promise<void>((resolve) => {
    const look = () => {
      const now = pacer.now();
      while (scheduled < total && t0 + scheduled * interval <= now) {
        const at = t0 + scheduled * interval;
        arrive(scheduled++, at);
      }
      if (scheduled >= total) resolve();
      else pacer.next(pacing, look);
    };
    pacer.next(pacing, look);
  });
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface OpenLoopResult {
  /** Arrivals in the measured part of the schedule (after the warm-up). */
  scheduled: number;
  /** Requests written to a connection. */
  sent: number;
  /** Arrivals that found every connection busy (k6: dropped_iterations). */
  dropped: number;
  completed: number;
  statuses: Record<string, number>;
  /** Socket errors, resets, and sent requests still unanswered at the end. */
  errors: number;
  /** Latency (ms) of 2xx answers, from the write to the end of the answer. */
  accepted: LatencySummary;
  /** Latency (ms) of 503 answers. */
  refused: LatencySummary;
  /** How late (ms) the generator wrote requests against their scheduled time. */
  sendLag: LatencySummary;
  /**
   * p99 (ms) over every arrival of the schedule, where one that got no 2xx answer (dropped,
   * refused, failed) counts as infinitely slow: a generator or server that sheds cannot look fast.
   */
  p99AllArrivals: number;
  /** Answers per second of schedule. */
  achievedRate: number;
  connections: number;
}

/** The q-quantile (ms, to the µs) of ascending `sorted` plus `misses` samples of +Infinity. */
function quantileOfSorted(sorted: Float64Array, q: number, misses = 0): number {
  const n = sorted.length + misses;
  if (n === 0) return 0;
  const rank = Math.ceil(q * n) - 1;
  return rank >= sorted.length ? Number.POSITIVE_INFINITY : Math.round(sorted[rank]! * 1000) / 1000;
}

export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: quantileOfSorted(sorted, 0.5),
    p90: quantileOfSorted(sorted, 0.9),
    p95: quantileOfSorted(sorted, 0.95),
    p99: quantileOfSorted(sorted, 0.99),
    max: quantileOfSorted(sorted, 1),
  };
}

/** The q-quantile of `values` plus `misses` samples of +Infinity. */
export function quantileWithMisses(values: Float64Array, misses: number, q: number): number {
  return quantileOfSorted(Float64Array.from(values).sort(), q, misses);
}

interface Conn {
  socket: net.Socket;
  /** Requests prepared for this connection's origin, one per body. */
  requests: readonly Buffer[];
  busy: boolean;
  dead: boolean;
  /** The request in flight belongs to the measured part of the schedule. */
  measured: boolean;
  /** Bytes of an answer split across reads (rare: answers are a few hundred bytes). */
  pending: Buffer | null;
  sentAt: number;
}

/** Per-connection read buffer: answers are small, and reads into it allocate nothing. */
const READ_BUFFER = 16 * 1024;
const CR = 13;
const LF = 10;

/** Lower-cases an ASCII letter code. */
const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

/** True when `buf[at..]` starts with `name` (lower-case ASCII), ignoring case. */
function startsWith(buf: Buffer, at: number, end: number, name: string): boolean {
  if (end - at < name.length) return false;
  for (let i = 0; i < name.length; i++) if (lower(buf[at + i]!) !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * One HTTP/1.1 answer head parsed from bytes, with no strings made: the generator must not pause
 * for its own garbage collection, or its pauses show up as the server's latency.
 */
export interface Answer {
  status: number;
  /** Bytes of head + body. */
  size: number;
  close: boolean;
}

/** Parses the answer at `buf[start..end)`; undefined until head and body are complete. */
export function parseAnswer(buf: Buffer, start: number, end: number): Answer | undefined {
  let length = 0;
  let close = false;
  let chunked = false;
  // "HTTP/1.1 200 ..."
  const status = (buf[start + 9]! - 48) * 100 + (buf[start + 10]! - 48) * 10 + (buf[start + 11]! - 48);
  let line = start;
  for (let i = start; i + 1 < end; i++) {
    if (buf[i] !== CR || buf[i + 1] !== LF) continue;
    if (i === line) {
      const bodyEnd = chunked ? chunkedEnd(buf, i + 2, end) : i + 2 + length;
      return bodyEnd !== undefined && bodyEnd <= end ? { status, size: bodyEnd - start, close } : undefined;
    }
    if (startsWith(buf, line, i, 'content-length:')) {
      let j = line + 15;
      while (buf[j] === 32) j++;
      length = 0;
      for (let c = buf[j]!; c >= 48 && c <= 57 && j < i; c = buf[++j]!) length = length * 10 + c - 48;
    } else if (startsWith(buf, line, i, 'connection:')) {
      let j = line + 11;
      while (buf[j] === 32) j++;
      close = startsWith(buf, j, i, 'close');
    } else if (startsWith(buf, line, i, 'transfer-encoding:')) {
      let j = line + 18;
      while (buf[j] === 32) j++;
      chunked = startsWith(buf, j, i, 'chunked');
    }
    line = i + 2;
  }
  return undefined;
}

const hexDigit = (c: number) =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

/** End of a chunked body that starts at `at` (no trailers), or undefined while incomplete. */
function chunkedEnd(buf: Buffer, at: number, end: number): number | undefined {
  for (;;) {
    let size = 0;
    let i = at;
    for (let d = hexDigit(buf[i]!); d >= 0 && i < end; d = hexDigit(buf[++i]!)) size = size * 16 + d;
    // Skip chunk extensions up to the line's CRLF.
    while (i + 1 < end && !(buf[i] === CR && buf[i + 1] === LF)) i++;
    if (i + 1 >= end) return undefined;
    const next = i + 2 + size + 2;
    if (next > end) return undefined;
    if (size === 0) return next;
    at = next;
  }
}

/** Latencies in a growable Float64Array: no boxed numbers for the collector to trace. */
class Samples {
  values: Float64Array;
  length = 0;
  /** Sized for the whole run up front: growing a large array mid-run would cost a collection. */
  constructor(capacity: number) {
    this.values = new Float64Array(Math.max(1024, capacity));
  }
  push(v: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = v;
  }
  view(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

/** One origin's host and port, and a request prepared for each body. */
function prepare(url: string, path: string, bodies: readonly string[]) {
  const { hostname, port, protocol } = new URL(url);
  if (protocol !== 'http:') throw new Error(`open-loop: ${url} is not an http:// origin`);
  const host = hostname.replace(/^\[|\]$/g, '');
  const requests = bodies.map((body) =>
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: ${host}:${port || 80}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ),
  );
  return { host, port: Number(port || 80), requests };
}

/**
 * Idle connections, the longest idle taken first: arrivals rotate over every connection (as k6's
 * VUs), so connections opened to several origins share the load evenly however fast they answer.
 */
class IdleQueue {
  private items: (Conn | undefined)[] = new Array(64);
  private head = 0;
  private size = 0;
  push(conn: Conn): void {
    if (this.size === this.items.length) {
      const bigger = new Array<Conn | undefined>(this.items.length * 2);
      for (let i = 0; i < this.size; i++) bigger[i] = this.items[(this.head + i) % this.items.length];
      this.items = bigger;
      this.head = 0;
    }
    this.items[(this.head + this.size++) % this.items.length] = conn;
  }
  take(): Conn | undefined {
    if (this.size === 0) return undefined;
    const conn = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return conn;
  }
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const pacer = o.pacer ?? realPacer;
  const bodies = typeof o.body === 'string' ? [o.body] : o.body;
  const origins = (typeof o.url === 'string' ? [o.url] : o.url).map((u) => prepare(u, o.path, bodies));
  if (origins.length === 0 || bodies.length === 0) throw new Error('open-loop: no url or no body');
  const statusCounts = new Map<number, number>();
  const expected = Math.ceil((o.durationMs / 1000) * o.rate);
  const accepted = new Samples(expected);
  const refused = new Samples(expected);
  const lags = new Samples(expected);
  let errors = 0;
  let completed = 0;
  let scheduled = 0;
  let sent = 0;
  let dropped = 0;
  let opened = 0;
  let opening = 0;
  const idle = new IdleQueue();
  const all = new Set<Conn>();

  const send = (conn: Conn, index: number, scheduledAt: number, measured: boolean) => {
    conn.busy = true;
    conn.measured = measured;
    conn.sentAt = pacer.now();
    if (measured) {
      lags.push(conn.sentAt - scheduledAt);
      sent++;
    }
    conn.socket.write(conn.requests[index % conn.requests.length]!);
  };
  const retire = (conn: Conn) => {
    conn.dead = true;
    conn.busy = false;
    all.delete(conn);
  };
  /** Handles every complete answer in buf[0..end); returns where the unparsed rest starts. */
  const onAnswers = (conn: Conn, buf: Buffer, end: number): number => {
    let at = 0;
    while (at < end) {
      const answer = parseAnswer(buf, at, end);
      if (!answer) break;
      at += answer.size;
      if (conn.measured) {
        const latency = pacer.now() - conn.sentAt;
        statusCounts.set(answer.status, (statusCounts.get(answer.status) ?? 0) + 1);
        completed++;
        if (answer.status >= 200 && answer.status < 300) accepted.push(latency);
        else if (answer.status === 503) refused.push(latency);
      }
      conn.busy = false;
      if (answer.close) {
        retire(conn);
        conn.socket.destroy();
        return end;
      }
      idle.push(conn);
    }
    return at;
  };
  const onRead = (conn: Conn, n: number, buf: Buffer) => {
    if (conn.pending) {
      const joined = Buffer.concat([conn.pending, buf.subarray(0, n)]);
      const used = onAnswers(conn, joined, joined.length);
      conn.pending = used < joined.length ? joined.subarray(used) : null;
      return;
    }
    const used = onAnswers(conn, buf, n);
    // The read buffer is reused on the next read: keep a copy of a split answer.
    if (used < n) conn.pending = Buffer.from(buf.subarray(used, n));
  };
  const open = (): Promise<Conn | undefined> =>
    new Promise((resolve) => {
      const origin = origins[opened % origins.length]!;
      opened++;
      opening++;
      const conn: Conn = {
        socket: undefined!,
        requests: origin.requests,
        busy: false,
        dead: false,
        measured: false,
        pending: null,
        sentAt: 0,
      };
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER);
      const socket = net.connect({
        host: origin.host,
        port: origin.port,
        noDelay: true,
        onread: {
          buffer: readBuffer,
          callback: (n) => {
            onRead(conn, n, readBuffer);
            return true;
          },
        },
      });
      conn.socket = socket;
      all.add(conn);
      socket.on('error', () => {
        if (conn.busy && conn.measured) errors++;
        retire(conn);
        resolve(undefined);
      });
      socket.on('close', () => {
        if (conn.busy && conn.measured) errors++;
        retire(conn);
      });
      socket.once('connect', () => resolve(conn));
    }).finally(() => {
      opening--;
    }) as Promise<Conn | undefined>;

  const preAllocated = Math.min(o.preAllocated ?? 32, o.maxConnections);
  for (const c of await Promise.all(Array.from({ length: preAllocated }, open))) if (c) idle.push(c);

  const warmArrivals = Math.floor(((o.warmupMs ?? 0) / 1000) * o.rate);
  const total = warmArrivals + Math.floor((o.durationMs / 1000) * o.rate);
  await runSchedule({
    rate: o.rate,
    total,
    pacing: o.pacing ?? 'timer',
    pacer,
    arrive: (index, at) => {
      const measured = index >= warmArrivals;
      scheduled = index + 1;
      let conn = idle.take();
      while (conn?.dead) conn = idle.take();
      if (conn) send(conn, index, at, measured);
      else if (all.size < o.maxConnections) {
        // A new connection (k6: a new VU) carries this arrival once connected.
        void open().then((c) => (c ? send(c, index, at, measured) : measured && dropped++));
      } else if (measured) dropped++;
    },
  });
  const deadline = performance.now() + (o.drainMs ?? 5000);
  // Warm-up requests still out are waited for too: the run ends with nothing of its own in flight.
  const answering = () => opening > 0 || [...all].some((c) => c.busy);
  while (answering() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  errors += Math.max(0, sent - completed - errors);
  for (const c of all) c.socket.destroy();
  const measuredArrivals = scheduled - warmArrivals;
  return {
    scheduled: measuredArrivals,
    sent,
    dropped,
    completed,
    statuses: Object.fromEntries([...statusCounts].map(([status, n]) => [String(status), n])),
    errors,
    accepted: summarize(accepted.view()),
    refused: summarize(refused.view()),
    sendLag: summarize(lags.view()),
    p99AllArrivals: quantileWithMisses(accepted.view(), measuredArrivals - accepted.length, 0.99),
    achievedRate: Math.round(completed / (o.durationMs / 1000)),
    connections: opened,
  };
}
