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

  const fresh = (maxBatch = 1024) => {
    runs = [];
    model = new LoadedModel(
      { uri: 'test', name: 'covertype', cacheKey: 'test' },
      { dir: '.', onnxPath: 'model.onnx' },
      session,
      maxBatch,
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
});
