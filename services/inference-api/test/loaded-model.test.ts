import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ModelInputRow, toModelColumns } from '@covertype/schema';
import { LoadedModel, type RowResult } from '../src/model/loaded-model.ts';
import { ModelSession } from '../src/model/model-session.ts';
import { modelRows, trainModel } from './helper.ts';

const rows: ModelInputRow[] = modelRows(40, 20_000);

describe('micro-batching of single-row predictions', () => {
  let session: ModelSession;
  let runs: number[];
  let model: LoadedModel;
  before(async () => {
    session = await ModelSession.open(await trainModel());
  });
  after(() => session.release());

  // The rate-window policy: its decisions depend on arrivals alone, not on how fast this machine runs
  // the model (the adaptive policy's are tested on an injected clock in batch-policy.test.ts).
  const fresh = (maxBatch = 1024, waitMs = 0) => {
    runs = [];
    model = new LoadedModel(
      { uri: 'test', name: 'covertype', cacheKey: 'test' },
      { dir: '.', onnxPath: 'model.onnx' },
      session,
      { maxBatch, waitMs, policy: 'rate' },
      (_seconds, n) => runs.push(n),
    );
  };

  /** Predicts `n` rows queued in one turn; says whether a setImmediate queued first ran before they were all answered. */
  async function queue(n: number): Promise<{ results: RowResult[]; waitedForTurnEnd: boolean }> {
    let immediateRan = false;
    setImmediate(() => {
      immediateRan = true;
    });
    const pending = rows.slice(0, n).map((row) => model.predictOne(row));
    const results = await Promise.all(pending);
    return { results, waitedForTurnEnd: immediateRan };
  }

  async function expectedLabels(n: number): Promise<number[]> {
    return [...(await session.run(toModelColumns(rows.slice(0, n)))).labels];
  }

  /** One row per event-loop turn, as a client sending at a steady rate delivers them. */
  async function trickle(n: number): Promise<RowResult[]> {
    const pending: Promise<RowResult>[] = [];
    await new Promise<void>((done) => {
      const next = () => {
        pending.push(model.predictOne(rows[pending.length % rows.length]!));
        if (pending.length < n) setImmediate(next);
        else done();
      };
      next();
    });
    return Promise.all(pending);
  }

  const labelsOf = (results: RowResult[]) => results.map((r) => r.prediction.labels[r.index]!);

  it('runs the rows queued in one turn together, at the end of the turn, each answered with its own row', async () => {
    fresh();
    const { results, waitedForTurnEnd } = await queue(10);
    assert.deepEqual(runs, [10]);
    assert.equal(waitedForTurnEnd, true);
    const labels = results.map((r) => r.prediction.labels[r.index]!);
    assert.deepEqual(labels, await expectedLabels(10));
  });

  it('never runs more rows than MAX_BATCH at once', async () => {
    fresh(8);
    const { results } = await queue(20);
    assert.deepEqual(runs, [8, 8, 4]);
    const labels = results.map((r) => r.prediction.labels[r.index]!);
    assert.deepEqual(labels, await expectedLabels(20));
  });

  it('without a wait, runs a steady trickle one row per turn', async () => {
    fresh(1024, 0);
    await trickle(200);
    assert.deepEqual(runs, new Array(200).fill(1));
  });

  it('with a wait, lets a steady trickle share runs across turns, each row answered with its own', async () => {
    fresh(1024, 20);
    const results = await trickle(200);
    assert.ok(runs.length <= 100, `${runs.length} runs for 200 rows`);
    assert.equal(
      runs.reduce((a, b) => a + b, 0),
      200,
    );
    const expected = await expectedLabels(rows.length);
    assert.deepEqual(
      labelsOf(results),
      results.map((_, i) => expected[i % rows.length]!),
    );
  });

  it('does not make a lone row wait', async () => {
    fresh(1024, 50);
    let timerFired = false;
    const timer = setTimeout(() => {
      timerFired = true;
    }, 50);
    const { results } = await queue(1);
    clearTimeout(timer);
    assert.equal(timerFired, false, 'the row waited for the batching timer');
    assert.deepEqual(runs, [1]);
    assert.deepEqual(labelsOf(results), await expectedLabels(1));
  });

  it('runs rows still waiting for company before its session is released', async () => {
    const own = await ModelSession.open(await trainModel());
    const waiting = new LoadedModel(
      { uri: 'test', name: 'covertype', cacheKey: 'test' },
      { dir: '.', onnxPath: 'model.onnx' },
      own,
      { maxBatch: 1024, waitMs: 10_000, policy: 'rate' },
    );
    // Enough rows in quick succession that the next one waits for company.
    const early: Promise<RowResult>[] = [];
    for (let i = 0; i < 30; i++) {
      early.push(waiting.predictOne(rows[i]!));
      await new Promise((r) => setImmediate(r));
    }
    const late = waiting.predictOne(rows[30]!);
    await waiting.release();
    const results = await Promise.all([...early, late]);
    assert.deepEqual(labelsOf(results), await expectedLabels(31));
  });

  it('calibrates at load only under a policy that uses the run cost', async () => {
    const counted = (policy: 'rate' | 'adaptive') => {
      const calls = { runs: 0 };
      const counting = {
        run: (columns: Parameters<ModelSession['run']>[0]) => {
          calls.runs++;
          return session.run(columns);
        },
      } as ModelSession;
      const m = new LoadedModel(
        { uri: 'test', name: 'covertype', cacheKey: 'test' },
        { dir: '.', onnxPath: 'model.onnx' },
        counting,
        { maxBatch: 1024, waitMs: 1, policy },
      );
      return { m, calls };
    };
    const rate = counted('rate');
    await rate.m.calibrate(rows.slice(0, 4));
    assert.equal(rate.calls.runs, 0, 'the rate window needs no model runs at load');
    const adaptive = counted('adaptive');
    await adaptive.m.calibrate(rows.slice(0, 4));
    assert.ok(adaptive.calls.runs > 0, 'the adaptive policy learns the run cost before traffic');
  });
});
