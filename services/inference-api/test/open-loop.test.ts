import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { type OpenLoopOptions, openLoop, parseAnswer, quantileWithMisses } from '../bench/open-loop.ts';

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
const load = (port: number, options: Omit<OpenLoopOptions, 'host' | 'port' | 'path' | 'body'>) =>
  openLoop({ host: '127.0.0.1', port, path: '/predict', body: '{}', ...options });

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
      const free = await load(port, { rate: 400, durationMs: 1000, preAllocated: 4, maxConnections: 64 });
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

  it('sends each request on time with spin pacing, where the millisecond timer sends bursts', async () => {
    const handler: http.RequestListener = (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"Cover_Type":2}');
    };
    await withServer(handler, async (port) => {
      const run = (pacing: 'timer' | 'spin') =>
        load(port, { rate: 2000, durationMs: 500, maxConnections: 64, pacing });
      const timer = await run('timer');
      const spin = await run('spin');
      assert.equal(spin.completed, 1000);
      assert.equal(timer.completed, 1000);
      // Arrivals spread over a millisecond wait half of it on average for the timer.
      assert.ok(
        spin.sendLag.p50 < timer.sendLag.p50 / 2,
        `send lag p50: spin ${spin.sendLag.p50} ms, timer ${timer.sendLag.p50} ms`,
      );
    });
  });

  it('leaves the warm-up arrivals out of every figure', async () => {
    let n = 0;
    const handler: http.RequestListener = (req, res) => {
      req.resume();
      // The first requests are slow, as on fresh connections of a cold server.
      const delay = ++n <= 20 ? 300 : 0;
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), delay);
    };
    await withServer(handler, async (port) => {
      const result = await load(port, { rate: 400, durationMs: 1000, warmupMs: 500, maxConnections: 64 });
      assert.equal(n, 600, 'warm-up and measured arrivals all reached the server');
      assert.equal(result.scheduled, 400);
      assert.equal(result.sent, 400);
      assert.deepEqual(result.statuses, { '200': 400 });
      assert.equal(result.dropped, 0);
      assert.ok(result.accepted.max < 250, `slowest measured answer ${result.accepted.max} ms`);
    });
  });
});
