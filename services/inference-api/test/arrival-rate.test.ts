import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArrivalRate } from '../src/model/arrival-rate.ts';

/** Feeds `perMs` rows each 0.1 ms from `from` for `ms` milliseconds; returns the end time. */
function steady(rate: ArrivalRate, perMs: number, from: number, ms: number): number {
  let t = from;
  for (let i = 0; i < ms * 10; i++, t += 0.1) rate.add(perMs / 10, t);
  return t;
}

describe('arrival rate of single-row requests', () => {
  it('is 0 before any row', () => {
    assert.equal(new ArrivalRate().perMs(1000), 0);
  });

  it('follows a steady rate', () => {
    const rate = new ArrivalRate();
    const end = steady(rate, 10, 0, 50);
    assert.ok(Math.abs(rate.perMs(end) - 10) < 0.5, `estimate ${rate.perMs(end)}`);
  });

  it('does not take a few rows at the start of a span for a flood', () => {
    const rate = new ArrivalRate();
    rate.add(1, 0);
    rate.add(1, 0.01);
    rate.add(1, 0.02);
    assert.ok(rate.perMs(0.03) <= 0.3, `estimate ${rate.perMs(0.03)}`);
  });

  it('falls back at once after a quiet spell', () => {
    const rate = new ArrivalRate();
    const end = steady(rate, 10, 0, 50);
    rate.add(1, end + 1000);
    assert.ok(rate.perMs(end + 1000) < 0.2, `estimate ${rate.perMs(end + 1000)}`);
  });

  it('rises within a span when traffic jumps', () => {
    const rate = new ArrivalRate();
    const end = steady(rate, 0.5, 0, 50);
    const later = steady(rate, 20, end, 5);
    assert.ok(rate.perMs(later) >= 9, `estimate ${rate.perMs(later)}`);
  });
});
