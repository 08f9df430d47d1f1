import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createMlflow, loadMlflowConfig, readMlmodel } from '@covertype/mlflow';
import { checkRecord } from '@covertype/schema';
import { readDataRows } from '@covertype/testkit';
import { registerOnnxModel, sampleModelDir, sampleModelOnnx } from '../src/index.ts';

const rows = readDataRows(checkRecord, 400);
const spec = { rounds: 2, maxLeaves: 7, seed: 3 };

describe('sample model', () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));

  it('trains once per rows and spec, then gives the same bytes from the cache', async () => {
    const first = await sampleModelOnnx(rows, spec);
    assert.ok(first.byteLength > 1000);
    assert.deepEqual(await sampleModelOnnx(rows, spec), first);
    assert.notDeepEqual(await sampleModelOnnx(rows, { ...spec, rounds: 3 }), first);
  });

  it('writes an MLflow model folder and registers a version with its alias', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sample-model-test-'));
    const folder = await sampleModelDir(path.join(dir, 'model'), rows, spec, { trained_by: 'test' });
    assert.ok(existsSync(path.join(folder, 'model.onnx')));
    assert.equal((await readMlmodel(folder)).flavors.onnx?.data, 'model.onnx');

    const mlflow = createMlflow(
      loadMlflowConfig({ MLFLOW_TRACKING_URI: `file:${path.join(dir, 'mlruns')}` }),
    );
    const version = await registerOnnxModel(mlflow, await sampleModelOnnx(rows, spec), {
      name: 'sample',
      alias: 'champion',
    });
    assert.equal(version.version, '1');
    assert.equal((await mlflow.getModelVersionByAlias('sample', 'champion')).version, '1');
  });
});
