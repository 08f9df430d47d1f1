import assert from 'node:assert/strict';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { exposeGc, startIdleCollector } from '../src/plugins/idle-gc.ts';

const MB = 2 ** 20;

/** A fake process: requests arrive when the test says so; a collection shrinks the young generation to `live`. */
function fakeProcess(youngMb: number) {
  const state = { requests: 0, young: youngMb * MB, live: youngMb * MB, collections: 0 };
  return {
    state,
    options: {
      activity: () => state.requests,
      youngBytes: () => state.young,
      collect: () => {
        state.collections++;
        state.young = state.live;
      },
      idleMs: 5000,
      checkMs: 1000,
    },
  };
}

describe('idle collector', () => {
  it('collects once requests have stopped for the idle period, never while they arrive', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const p = fakeProcess(2);
    const collector = startIdleCollector(p.options);
    // A load spike: the young generation grows while requests keep arriving every second.
    for (let s = 0; s < 16; s++) {
      p.state.requests += 1000;
      p.state.young = (2 + s * 2) * MB;
      t.mock.timers.tick(1000);
    }
    assert.equal(p.state.collections, 0, 'no pause while busy');
    t.mock.timers.tick(4000);
    assert.equal(p.state.collections, 0, 'not idle long enough yet');
    t.mock.timers.tick(1000);
    assert.equal(p.state.collections, 1);
    assert.equal(p.state.young, 2 * MB);
    t.mock.timers.tick(60_000);
    assert.equal(p.state.collections, 1, 'once per idle period');
    collector.stop();
  });

  it('does not collect when the young generation did not grow, however long the server idles', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const p = fakeProcess(2);
    const collector = startIdleCollector(p.options);
    p.state.requests += 3;
    p.state.young = 8 * MB;
    t.mock.timers.tick(120_000);
    assert.equal(p.state.collections, 0);
    collector.stop();
  });

  it('tries again 6 s apart while the young generation stays large, at most 3 times per idle period', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const p = fakeProcess(2);
    const collector = startIdleCollector(p.options);
    p.state.requests++;
    p.state.young = 32 * MB;
    p.state.live = 32 * MB;
    // The first check sees the request; five quiet ones later the first try.
    t.mock.timers.tick(6000);
    assert.equal(p.state.collections, 1);
    // V8 shrinks only when allocation over the last 5 s was low: next try 6 s later.
    t.mock.timers.tick(5000);
    assert.equal(p.state.collections, 1);
    t.mock.timers.tick(1000);
    assert.equal(p.state.collections, 2);
    t.mock.timers.tick(60_000);
    assert.equal(p.state.collections, 3);
    // The next burst starts a new idle period; this time the collection gives the memory back.
    p.state.requests++;
    p.state.live = 1 * MB;
    t.mock.timers.tick(60_000);
    assert.equal(p.state.collections, 4);
    assert.equal(p.state.young, 1 * MB);
    collector.stop();
  });

  it('stops checking when stopped', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const p = fakeProcess(2);
    const collector = startIdleCollector(p.options);
    p.state.requests++;
    p.state.young = 32 * MB;
    collector.stop();
    t.mock.timers.tick(60_000);
    assert.equal(p.state.collections, 0);
  });

  it("exposes V8's collector without --expose-gc, and it frees unreachable memory", () => {
    const gc = exposeGc();
    const holder: { garbage?: number[][] } = {
      garbage: Array.from({ length: 2000 }, () => Array(500).fill(1)),
    };
    const before = process.memoryUsage().heapUsed;
    holder.garbage = undefined;
    gc();
    assert.ok(process.memoryUsage().heapUsed < before - 4 * MB);
  });

  it("by default runs V8's young-generation collection, not a full one", async () => {
    const forced: string[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const { kind, flags } = (entry as unknown as { detail: { kind: number; flags: number } }).detail;
        if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) {
          forced.push(kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'major');
        }
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    let young = 32 * MB;
    const collector = startIdleCollector({
      activity: () => 0,
      idleMs: 10,
      checkMs: 10,
      youngBytes: () => young,
      onCollect: () => {
        young = 0;
      },
    });
    const deadline = Date.now() + 5000;
    while (young > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    collector.stop();
    // GC entries are delivered asynchronously.
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    assert.equal(young, 0, 'the collector ran');
    assert.deepEqual(forced, ['minor']);
  });
});
