import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Metrics } from '../src/plugins/metrics.ts';
import { createShedding } from '../src/plugins/shedding.ts';

describe('load shedding', () => {
  it('answers 503 with Retry-After beyond MAX_INFLIGHT at once, exempts probes, and frees slots', async () => {
    const metrics = new Metrics();
    const shedding = createShedding({ maxInflight: 3, metrics });
    const held: ServerResponse[] = [];
    // A handler that holds every response: requests stay in flight until released.
    const server = shedding.serverFactory((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const slow = Array.from({ length: 3 }, () => fetch(`${url}/predict`, { method: 'POST', body: '{}' }));
      while (held.length < 3) await new Promise((r) => setTimeout(r, 5));
      assert.equal(shedding.inflight(), 3);

      const refused = await fetch(`${url}/predict`, { method: 'POST', body: '{}' });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.match(((await refused.json()) as { message: string }).message, /limit of 3 requests in flight/);
      assert.equal(
        (await metrics.registry.getSingleMetricAsString('http_requests_shed_total')).split('\n').at(-1),
        'http_requests_shed_total 1',
      );

      // Probes are never shed: the handler gets them.
      void fetch(`${url}/readyz`);
      while (held.length < 4) await new Promise((r) => setTimeout(r, 5));
      held.pop()!.end('ok');

      for (const res of held.splice(0)) res.end('{}');
      assert.deepEqual(
        (await Promise.all(slow)).map((r) => r.status),
        [200, 200, 200],
      );
      while (shedding.inflight() > 0) await new Promise((r) => setTimeout(r, 5));
      const again = fetch(`${url}/predict`, { method: 'POST', body: '{}' });
      while (held.length < 1) await new Promise((r) => setTimeout(r, 5));
      held.pop()!.end('{}');
      assert.equal((await again).status, 200);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
