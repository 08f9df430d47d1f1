import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  type OpenLoopOptions,
  openLoop,
  type Pacer,
  type Pacing,
  parseAnswer,
  quantileWithMisses,
  runSchedule,
} from '../src/open-loop.ts';

const answer = (status: string, body: string, extra = '') =>
  Buffer.from(`HTTP/1.1 ${status}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

/** Runs `fn` against a local HTTP server answering with `handler`, then closes the server. */
async function withServer(handler: http.RequestListener, fn: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** An open-loop run of POST /predict with an empty JSON body. */
const load = (port: number, options: Omit<OpenLoopOptions, 'url' | 'path' | 'body'>) =>
  openLoop({ url: `http://127.0.0.1:${port}`, path: '/predict', body: '{}', ...options });

interface SimulatedLoop {
  /** Clock time one turn of the event loop takes. */
  turnMs: number;
  /** Clock time until a 1 ms timer fires. */
  timerMs: number;
  /** Every stallEvery-th look comes stallMs late, as on a busy machine. */
  stallEvery?: number;
  stallMs?: number;
}

/**
 * When each of 1,000 arrivals at 2,000/s is sent, on a simulated clock and event loop: the schedule is
 * checked without depending on how busy the machine running the test is.
 */
async function sendTimes(pacing: Pacing, loop: SimulatedLoop) {
  let now = 0;
  const waiting: [Pacing, () => void][] = [];
  const pacer: Pacer = { now: () => now, next: (kind, fn) => waiting.push([kind, fn]) };
  const sent: { index: number; at: number; sentAt: number }[] = [];
  const done = runSchedule({
    rate: 2000,
    total: 1000,
    pacing,
    pacer,
    arrive: (index, at) => sent.push({ index, at, sentAt: now }),
  });
  for (let turn = 1; waiting.length > 0; turn++) {
    const [kind, fn] = waiting.shift()!;
    now += kind === 'spin' ? loop.turnMs : loop.timerMs;
    if (loop.stallEvery && turn % loop.stallEvery === 0) now += loop.stallMs ?? 0;
    fn();
  }
  await done;
  return sent;
}

describe('open-loop load generator', () => {
  it('parses answers from bytes: status, size, Connection: close, incomplete ones', () => {
    const ok = answer('200 OK', '{"Cover_Type":2}', 'connection: Close\r\n');
    assert.deepEqual(parseAnswer(ok, 0, ok.length), { status: 200, size: ok.length, close: true });
    const two = Buffer.concat([answer('503 Service Unavailable', '{}'), ok]);
    const first = parseAnswer(two, 0, two.length)!;
    assert.deepEqual(first, { status: 503, size: two.length - ok.length, close: false });
    assert.equal(parseAnswer(two, first.size, two.length)?.status, 200);
    // Head or body cut by the end of a read: not an answer yet.
    assert.equal(parseAnswer(ok, 0, 20), undefined);
    assert.equal(parseAnswer(ok, 0, ok.length - 1), undefined);
    const upper = Buffer.from('HTTP/1.1 200 OK\r\nCONTENT-LENGTH:   12\r\n\r\nxxxxxxxxxxxx');
    assert.deepEqual(parseAnswer(upper, 0, upper.length), { status: 200, size: upper.length, close: false });
    const chunked = Buffer.from(
      'HTTP/1.1 503 x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"m":1}\r\na;ext=1\r\n0123456789\r\n0\r\n\r\n',
    );
    assert.deepEqual(parseAnswer(chunked, 0, chunked.length), {
      status: 503,
      size: chunked.length,
      close: false,
    });
    assert.equal(parseAnswer(chunked, 0, chunked.length - 2), undefined);
    assert.equal(parseAnswer(chunked, 0, chunked.length - 9), undefined);
  });

  it('counts arrivals without a 2xx answer as infinitely slow in the p99', () => {
    const values = Float64Array.from({ length: 990 }, (_, i) => i + 1);
    assert.equal(quantileWithMisses(values, 0, 0.99), 981);
    assert.equal(quantileWithMisses(values, 10, 0.99), 990);
    assert.equal(quantileWithMisses(values, 11, 0.99), Number.POSITIVE_INFINITY);
  });

  it('keeps the arrival rate, counts every status, and drops arrivals when all connections are busy', async () => {
    let n = 0;
    const held: http.ServerResponse[] = [];
    const handler: http.RequestListener = (req, res) => {
      req.resume();
      n++;
      // Every 10th answer closes its connection; every 4th is a refusal; a few are held (busy).
      if (n % 10 === 0) res.setHeader('connection', 'close');
      if (n % 4 === 0) res.writeHead(503).end('{"message":"busy"}');
      else if (n <= 3) held.push(res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"Cover_Type":2}');
    };
    await withServer(handler, async (port) => {
      // One second at 400 arrivals/s.
      const result = await load(port, {
        rate: 400,
        durationMs: 1000,
        preAllocated: 2,
        maxConnections: 3,
        drainMs: 200,
      });
      assert.equal(result.scheduled, 400);
      // The three held requests occupy all three connections: everything after them is dropped.
      assert.equal(result.sent, 3);
      assert.equal(result.dropped, 397);
      assert.equal(result.errors, 3);
      for (const res of held) res.end();

      n = 100;
      // A connection per arrival opened beforehand, and a drain that waits for every answer: however
      // busy the machine, nothing can be dropped or left unanswered.
      const free = await load(port, {
        rate: 400,
        durationMs: 1000,
        preAllocated: 400,
        maxConnections: 400,
        drainMs: 60_000,
      });
      assert.equal(free.dropped, 0);
      assert.equal(free.errors, 0);
      assert.equal(free.completed, 400);
      assert.deepEqual(free.statuses, { '200': 300, '503': 100 });
      assert.equal(free.accepted.count, 300);
      // A quarter refused counts as infinitely slow: no p99 to speak of.
      assert.equal(free.p99AllArrivals, Number.POSITIVE_INFINITY);
      assert.equal(free.refused.count, 100);
      assert.ok(free.accepted.p50 > 0 && free.accepted.p50 <= free.accepted.p99);
    });
  });

  it('spin pacing sends each arrival at the first loop turn after its time; the millisecond timer sends bursts', async () => {
    const spin = await sendTimes('spin', { turnMs: 0.01, timerMs: 1.1 });
    const timer = await sendTimes('timer', { turnMs: 0.01, timerMs: 1.1 });
    for (const sent of [spin, timer]) {
      assert.deepEqual(
        sent.map((s) => s.index),
        Array.from({ length: 1000 }, (_, i) => i),
      );
      assert.ok(
        sent.every((s) => s.sentAt >= s.at),
        'an arrival left before its time',
      );
    }
    // Spin looks at every turn of the loop: no arrival waits longer than one turn.
    const spinLag = Math.max(...spin.map((s) => s.sentAt - s.at));
    assert.ok(spinLag <= 0.01 + 1e-9, `spin: an arrival waited ${spinLag} ms`);
    assert.equal(new Set(spin.map((s) => s.sentAt)).size, 1000, 'spin sent arrivals together');
    // The timer looks every 1.1 ms: 2,000 arrivals/s leave two or three at a time, half a look late on average.
    const timerLags = timer.map((s) => s.sentAt - s.at).sort((a, b) => a - b);
    assert.ok(timerLags[500]! > 0.3, `timer: median lag ${timerLags[500]} ms`);
    assert.ok(new Set(timer.map((s) => s.sentAt)).size < 500, 'the timer did not send in bursts');
  });

  it('a look delayed by a busy machine sends what came due late, in order, never skipping or repeating one', async () => {
    // Every 50th turn of the loop stalls 20 ms (40 arrivals' worth at 2,000/s).
    const sent = await sendTimes('spin', { turnMs: 0.01, timerMs: 1.1, stallEvery: 50, stallMs: 20 });
    assert.deepEqual(
      sent.map((s) => s.index),
      Array.from({ length: 1000 }, (_, i) => i),
    );
    assert.ok(sent.every((s) => s.sentAt >= s.at));
    assert.ok(Math.max(...sent.map((s) => s.sentAt - s.at)) >= 19, 'the stalls made nothing late');
  });

  it('with spin pacing, every arrival is sent and answered', async () => {
    const handler: http.RequestListener = (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"Cover_Type":2}');
    };
    await withServer(handler, async (port) => {
      // A connection per arrival opened beforehand, and a drain that waits for every answer: however
      // busy the machine, nothing can be dropped or left unanswered.
      const spin = await load(port, {
        rate: 2000,
        durationMs: 100,
        preAllocated: 200,
        maxConnections: 200,
        drainMs: 60_000,
        pacing: 'spin',
      });
      assert.equal(spin.scheduled, 200);
      assert.equal(spin.sent, 200);
      assert.equal(spin.dropped, 0);
      assert.equal(spin.completed, 200);
      assert.equal(spin.sendLag.count, 200);
    });
  });

  it('spreads connections over several origins in turn and sends the bodies in turn', async () => {
    const seen: { server: number; body: string }[] = [];
    const handler =
      (server: number): http.RequestListener =>
      (req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          seen.push({ server, body });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      };
    await withServer(handler(1), (one) =>
      withServer(handler(2), async (two) => {
        const result = await openLoop({
          url: [`http://127.0.0.1:${one}`, `http://127.0.0.1:${two}`],
          path: '/predict',
          body: ['{"a":1}', '{"b":2}', '{"c":3}'],
          rate: 200,
          durationMs: 300,
          preAllocated: 60,
          maxConnections: 60,
          drainMs: 60_000,
        });
        assert.equal(result.completed, 60);
        assert.equal(result.connections, 60);
        // 60 connections opened alternately: each origin holds 30 of them and got some requests.
        assert.ok(seen.some((s) => s.server === 1) && seen.some((s) => s.server === 2));
        const counts = new Map<string, number>();
        for (const s of seen) counts.set(s.body, (counts.get(s.body) ?? 0) + 1);
        assert.deepEqual(Object.fromEntries(counts), { '{"a":1}': 20, '{"b":2}': 20, '{"c":3}': 20 });
      }),
    );
  });

  it('leaves the warm-up arrivals out of every figure', async () => {
    let n = 0;
    const handler: http.RequestListener = (req, res) => {
      req.resume();
      // The first requests are slow, as on fresh connections of a cold server, and marked 202 so the
      // test can tell whether any of them was counted (timing alone would depend on the machine's load).
      const cold = ++n <= 20;
      setTimeout(
        () => res.writeHead(cold ? 202 : 200, { 'content-type': 'application/json' }).end('{}'),
        cold ? 300 : 0,
      );
    };
    await withServer(handler, async (port) => {
      const result = await load(port, {
        rate: 400,
        durationMs: 1000,
        warmupMs: 500,
        preAllocated: 600,
        maxConnections: 600,
        drainMs: 60_000,
      });
      assert.equal(n, 600, 'warm-up and measured arrivals all reached the server');
      assert.equal(result.scheduled, 400);
      assert.equal(result.sent, 400);
      assert.deepEqual(result.statuses, { '200': 400 });
      assert.equal(result.accepted.count, 400);
      assert.equal(result.dropped, 0);
    });
  });
});
