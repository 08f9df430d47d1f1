// The worker behind the k6/http stand-in: runs one fetch() per message, posts the answer on the
// message's port, then wakes the waiting thread through the shared flag.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', async ({ method, url, body, headers, timeoutMs, flag, port }) => {
  let answer;
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: body ?? undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    answer = { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
  } catch (err) {
    // k6 reports a failed connection as status 0 with the reason in `error`.
    answer = { status: 0, body: null, error: String(err?.cause?.message ?? err?.message ?? err) };
  }
  port.postMessage(answer);
  port.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
