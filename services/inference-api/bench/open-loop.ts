import net from 'node:net';

/**
 * An open-loop HTTP/1.1 load generator: requests are scheduled at a constant arrival rate whether
 * or not earlier ones were answered, and latency counts from the scheduled time (no coordinated
 * omission). autocannon's rate limit sends each connection's quota in a burst at the start of
 * every second, which is not a constant arrival rate.
 */
export interface OpenLoopOptions {
  host: string;
  port: number;
  path: string;
  body: string;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Connections opened as needed up to this many; beyond it requests queue in the client. */
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
  scheduled: number;
  completed: number;
  statuses: Record<string, number>;
  /** Socket errors, resets, and requests still unanswered at the end. */
  errors: number;
  /** Latency (ms) of 2xx answers, from the scheduled send time. */
  accepted: LatencySummary;
  /** Latency (ms) of 503 answers. */
  refused: LatencySummary;
  achievedRate: number;
  connections: number;
}

export function summarize(values: number[]): LatencySummary {
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
  scheduledAt: number;
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const request = Buffer.from(
    `POST ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(o.body)}\r\n\r\n${o.body}`,
  );
  const statuses: Record<string, number> = {};
  const accepted: number[] = [];
  const refused: number[] = [];
  let errors = 0;
  let completed = 0;
  let scheduled = 0;
  let opened = 0;
  const idle: Conn[] = [];
  const queue: number[] = [];
  const all = new Set<Conn>();

  const send = (conn: Conn, scheduledAt: number) => {
    conn.busy = true;
    conn.scheduledAt = scheduledAt;
    conn.socket.write(request);
  };
  const release = (conn: Conn) => {
    conn.busy = false;
    const next = queue.shift();
    if (next !== undefined) send(conn, next);
    else idle.push(conn);
  };
  const onData = (conn: Conn, chunk: Buffer) => {
    conn.buf = conn.buf.length ? Buffer.concat([conn.buf, chunk]) : chunk;
    for (;;) {
      const end = conn.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = conn.buf.toString('latin1', 0, end);
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (conn.buf.length < end + 4 + length) return;
      conn.buf = conn.buf.subarray(end + 4 + length);
      const status = head.slice(9, 12);
      const latency = performance.now() - conn.scheduledAt;
      statuses[status] = (statuses[status] ?? 0) + 1;
      completed++;
      if (status[0] === '2') accepted.push(latency);
      else if (status === '503') refused.push(latency);
      if (/connection:\s*close/i.test(head)) {
        conn.dead = true;
        conn.socket.destroy();
        all.delete(conn);
        const next = queue.shift();
        if (next !== undefined) void open().then((c) => c && send(c, next));
        return;
      }
      release(conn);
    }
  };
  const open = (): Promise<Conn | undefined> =>
    new Promise((resolve) => {
      opened++;
      const socket = net.connect({ host: o.host, port: o.port, noDelay: true });
      const conn: Conn = { socket, busy: false, dead: false, buf: Buffer.alloc(0), scheduledAt: 0 };
      all.add(conn);
      socket.on('data', (chunk) => onData(conn, chunk));
      socket.on('error', () => {
        if (conn.busy) errors++;
        conn.busy = false;
        conn.dead = true;
        all.delete(conn);
        resolve(undefined);
      });
      socket.on('close', () => {
        if (conn.busy && !conn.dead) errors++;
        conn.dead = true;
        all.delete(conn);
      });
      socket.once('connect', () => resolve(conn));
    });

  for (let i = 0; i < Math.min(32, o.maxConnections); i++) {
    const c = await open();
    if (c) idle.push(c);
  }
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
        else {
          queue.push(at);
          if (all.size < o.maxConnections) {
            void open().then((c) => {
              if (!c) return;
              const next = queue.shift();
              if (next !== undefined) send(c, next);
              else idle.push(c);
            });
          }
        }
      }
      if (scheduled >= total) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  const deadline = performance.now() + (o.drainMs ?? 5000);
  while (completed + errors < scheduled && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  errors += Math.max(0, scheduled - completed - errors);
  for (const c of all) c.socket.destroy();
  return {
    scheduled,
    completed,
    statuses,
    errors,
    accepted: summarize(accepted),
    refused: summarize(refused),
    achievedRate: Math.round(completed / (o.durationMs / 1000)),
    connections: opened,
  };
}
