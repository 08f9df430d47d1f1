import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toModelColumns } from '@covertype/schema';
import { ModelContractError, ModelSession } from '../src/model/model-session.ts';
import { modelRows, tempDir, trainModel } from './helper.ts';

describe('onnxruntime runner', () => {
  let bytes: Uint8Array;
  let native: ModelSession;
  let publicApi: ModelSession;
  before(async () => {
    bytes = await trainModel();
    native = await ModelSession.open(bytes);
    publicApi = await ModelSession.open(bytes, { runner: 'public' });
  });
  after(async () => {
    await native.release();
    await publicApi.release();
  });

  it("uses onnxruntime-node's native session by default", () => {
    assert.equal(native.runner, 'native');
    assert.equal(publicApi.runner, 'public');
  });

  it('predicts within the current turn of the event loop, before anything queued with setImmediate', async () => {
    const columns = toModelColumns(modelRows(8));
    let immediateRan = false;
    setImmediate(() => {
      immediateRan = true;
    });
    const prediction = await native.run(columns);
    assert.equal(prediction.rows, 8);
    assert.equal(immediateRan, false, 'the prediction waited for a later phase of the event loop');
  });

  it('describes the inputs and outputs and predicts exactly as the public API does', async () => {
    assert.deepEqual(native.inputs, publicApi.inputs);
    assert.deepEqual(native.outputs, publicApi.outputs);
    const columns = toModelColumns(modelRows(500, 10_000));
    const a = await native.run(columns);
    const b = await publicApi.run(columns);
    assert.deepEqual(a.labels, b.labels);
    assert.deepEqual(a.probabilities, b.probabilities);
    assert.ok(new Set(a.labels).size > 1, 'the rows span several classes');
  });

  it('opens a model from a file and refuses a file that is not ONNX', async () => {
    const dir = await tempDir('ort-runner-');
    const file = path.join(dir.dir, 'model.onnx');
    await writeFile(file, bytes);
    const fromFile = await ModelSession.open(file);
    const columns = toModelColumns(modelRows(20));
    assert.deepEqual((await fromFile.run(columns)).labels, (await native.run(columns)).labels);
    await fromFile.release();
    await writeFile(file, 'not a model');
    await assert.rejects(ModelSession.open(file), (err: Error) => {
      assert.ok(err instanceof ModelContractError);
      assert.match(err.message, /cannot open the ONNX model/);
      return true;
    });
    await dir.cleanup();
  });
});
