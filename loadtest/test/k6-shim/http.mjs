// Stand-in for 'k6/http'. Requests go to globalThis.k6Responder when a test sets one (a fake server);
// otherwise they really go over the network, synchronously like k6's http module: a worker thread
// runs fetch() while this thread waits on a shared flag (Atomics.wait), then reads the answer.
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

let worker;

/** k6's request timeout: a duration string ('5s', '500ms', '1m') or milliseconds. */
function durationMs(value) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(value));
  if (!m) throw new Error(`k6/http stand-in: unsupported timeout ${value}`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 }[m[2] ?? 'ms'] ?? 1);
}

function fetchSync(method, url, body, params) {
  if (!worker) {
    worker = new Worker(new URL('./fetch-worker.mjs', import.meta.url));
    worker.unref();
  }
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const timeoutMs = params?.timeout ? durationMs(params.timeout) : 60_000;
  worker.postMessage({ method, url, body, headers: params?.headers ?? {}, timeoutMs, flag, port: port2 }, [
    port2,
  ]);
  Atomics.wait(flag, 0, 0, timeoutMs + 5_000);
  const answer = receiveMessageOnPort(port1)?.message;
  port1.close();
  return answer ?? { status: 0, body: null, error: `no answer from ${url}` };
}

/** Every request sent, in order, for the tests to read. */
export const sent = [];

function request(method, url, body, params) {
  sent.push({ method, url, body, params });
  const responder = globalThis.k6Responder;
  const started = performance.now();
  const res = responder ? responder({ method, url, body, params }) : fetchSync(method, url, body, params);
  const duration = responder ? 1.5 : performance.now() - started;
  return { timings: { duration }, error: '', ...res };
}

export default {
  get: (url, params) => request('GET', url, null, params),
  post: (url, body, params) => request('POST', url, body, params),
};
