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
  host: string;
  port: number;
  path: string;
  body: string;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Connections opened before the schedule starts (k6: preAllocatedVUs). */
  preAllocated?: number;
  /** Connections opened as needed up to this many (k6: maxVUs); beyond it arrivals are dropped. */
  maxConnections: number;
  /** After the schedule ends, how long to wait for the last answers. */
  drainMs?: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface OpenLoopResult {
  /** Arrivals in the schedule. */
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
  /** Answers per second of schedule. */
  achievedRate: number;
  connections: number;
}

export function summarize(values: ArrayLike<number>): LatencySummary {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]!),
  };
}

interface Conn {
  socket: net.Socket;
  busy: boolean;
  dead: boolean;
  buf: Buffer;
  sentAt: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Parses `Content-Length` and `Connection: close` from a response head (latin1). */
function parseHead(head: string): { status: string; length: number; close: boolean } {
  const lower = head.toLowerCase();
  const at = lower.indexOf('content-length:');
  let length = 0;
  if (at >= 0) {
    let i = at + 15;
    while (lower.charCodeAt(i) === 32) i++;
    for (let c = lower.charCodeAt(i); c >= 48 && c <= 57; c = lower.charCodeAt(++i))
      length = length * 10 + c - 48;
  }
  return { status: head.slice(9, 12), length, close: lower.includes('connection: close') };
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const request = Buffer.from(
    `POST ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(o.body)}\r\n\r\n${o.body}`,
  );
  const statuses: Record<string, number> = {};
  const accepted: number[] = [];
  const refused: number[] = [];
  const lags: number[] = [];
  let errors = 0;
  let completed = 0;
  let scheduled = 0;
  let sent = 0;
  let dropped = 0;
  let opened = 0;
  let opening = 0;
  const idle: Conn[] = [];
  const all = new Set<Conn>();

  const send = (conn: Conn, scheduledAt: number) => {
    conn.busy = true;
    conn.sentAt = performance.now();
    lags.push(conn.sentAt - scheduledAt);
    sent++;
    conn.socket.write(request);
  };
  const retire = (conn: Conn) => {
    conn.dead = true;
    conn.busy = false;
    all.delete(conn);
  };
  const onData = (conn: Conn, chunk: Buffer) => {
    conn.buf = conn.buf.length ? Buffer.concat([conn.buf, chunk]) : chunk;
    for (;;) {
      const end = conn.buf.indexOf(HEADER_END);
      if (end < 0) return;
      const head = parseHead(conn.buf.toString('latin1', 0, end));
      if (conn.buf.length < end + 4 + head.length) return;
      conn.buf = conn.buf.subarray(end + 4 + head.length);
      const latency = performance.now() - conn.sentAt;
      statuses[head.status] = (statuses[head.status] ?? 0) + 1;
      completed++;
      if (head.status[0] === '2') accepted.push(latency);
      else if (head.status === '503') refused.push(latency);
      conn.busy = false;
      if (head.close) {
        retire(conn);
        conn.socket.destroy();
        return;
      }
      idle.push(conn);
    }
  };
  const open = (): Promise<Conn | undefined> =>
    new Promise((resolve) => {
      opened++;
      opening++;
      const socket = net.connect({ host: o.host, port: o.port, noDelay: true });
      const conn: Conn = { socket, busy: false, dead: false, buf: Buffer.alloc(0), sentAt: 0 };
      all.add(conn);
      socket.on('data', (chunk) => onData(conn, chunk));
      socket.on('error', () => {
        if (conn.busy) errors++;
        retire(conn);
        resolve(undefined);
      });
      socket.on('close', () => {
        if (conn.busy) errors++;
        retire(conn);
      });
      socket.once('connect', () => resolve(conn));
    }).finally(() => {
      opening--;
    }) as Promise<Conn | undefined>;

  const preAllocated = Math.min(o.preAllocated ?? 32, o.maxConnections);
  for (const c of await Promise.all(Array.from({ length: preAllocated }, open))) if (c) idle.push(c);

  const interval = 1000 / o.rate;
  const t0 = performance.now() + 5;
  const total = Math.floor((o.durationMs / 1000) * o.rate);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (scheduled < total && t0 + scheduled * interval <= now) {
        const at = t0 + scheduled * interval;
        scheduled++;
        let conn = idle.pop();
        while (conn?.dead) conn = idle.pop();
        if (conn) send(conn, at);
        else if (all.size < o.maxConnections) {
          // A new connection (k6: a new VU) carries this arrival once connected.
          void open().then((c) => (c ? send(c, at) : dropped++));
        } else dropped++;
      }
      if (scheduled >= total) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  const deadline = performance.now() + (o.drainMs ?? 5000);
  while ((opening > 0 || completed + errors < sent) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  errors += Math.max(0, sent - completed - errors);
  for (const c of all) c.socket.destroy();
  return {
    scheduled,
    sent,
    dropped,
    completed,
    statuses,
    errors,
    accepted: summarize(accepted),
    refused: summarize(refused),
    sendLag: summarize(lags),
    achievedRate: Math.round(completed / (o.durationMs / 1000)),
    connections: opened,
  };
}
