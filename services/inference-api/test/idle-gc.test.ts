import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exposeGc, startIdleCollector } from '../src/plugins/idle-gc.ts';

const MB = 2 ** 20;

/** A fake process: requests arrive when the test says so; a collection shrinks the heap to `live`. */
function fakeProcess(heapMb: number) {
  const state = { requests: 0, heap: heapMb * MB, live: heapMb * MB, collections: 0 };
  return {
    state,
    options: {
      activity: () => state.requests,
      heapBytes: () => state.heap,
      collect: () => {
        state.collections++;
        state.heap = state.live;
      },
      idleMs: 5000,
      checkMs: 1000,
    },
  };
}

describe('idle collector', () => {
  it('collects once requests have stopped for the idle period, never while they arrive', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const p = fakeProcess(40);
    const collector = startIdleCollector(p.options);
    // A load spike: the heap grows while requests keep arriving every second.
    for (let s = 0; s < 20; s++) {
      p.state.requests += 1000;
      p.state.heap = (40 + s * 2) * MB;
      t.mock.timers.tick(1000);
    }
    assert.equal(p.state.collections, 0, 'no pause while busy');
    t.mock.timers.tick(4000);
    assert.equal(p.state.collections, 0, 'not idle long enough yet');
    t.mock.timers.tick(1000);
    assert.equal(p.state.collections, 1);
    assert.equal(p.state.heap, 40 * MB);
    t.mock.timers.tick(60_000);
    assert.equal(p.state.collections, 1, 'once per idle period');
    collector.stop();
  });

  it('does not collect when the heap has not grown, however long the server idles', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const p = fakeProcess(40);
    const collector = startIdleCollector(p.options);
    p.state.requests += 3;
    p.state.heap = 43 * MB;
    t.mock.timers.tick(120_000);
    assert.equal(p.state.collections, 0);
    collector.stop();
  });

  it('retries a few times when the heap did not shrink, then takes it as live', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const p = fakeProcess(40);
    const collector = startIdleCollector(p.options);
    p.state.requests++;
    p.state.heap = 80 * MB;
    p.state.live = 80 * MB;
    // The first check sees the request; five quiet ones later the first try.
    t.mock.timers.tick(6000);
    assert.equal(p.state.collections, 1);
    // Tries again 6 s apart (V8 shrinks only when allocation over the last 5 s was low).
    t.mock.timers.tick(5000);
    assert.equal(p.state.collections, 1);
    t.mock.timers.tick(1000);
    assert.equal(p.state.collections, 2);
    t.mock.timers.tick(60_000);
    assert.equal(p.state.collections, 3);
    // The next burst is measured from the new baseline: a small growth is no reason to collect.
    p.state.requests++;
    p.state.heap = 84 * MB;
    p.state.live = 60 * MB;
    t.mock.timers.tick(60_000);
    assert.equal(p.state.collections, 3);
    collector.stop();
  });

  it('stops checking when stopped', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const p = fakeProcess(40);
    const collector = startIdleCollector(p.options);
    p.state.requests++;
    p.state.heap = 80 * MB;
    collector.stop();
    t.mock.timers.tick(60_000);
    assert.equal(p.state.collections, 0);
  });

  it("exposes V8's collector without --expose-gc, and it frees unreachable memory", () => {
    const gc = exposeGc();
    let garbage: number[][] | undefined = Array.from({ length: 2000 }, () => Array(500).fill(1));
    const before = process.memoryUsage().heapUsed;
    garbage = undefined;
    gc();
    assert.equal(garbage, undefined);
    assert.ok(process.memoryUsage().heapUsed < before - 4 * MB);
  });
});
