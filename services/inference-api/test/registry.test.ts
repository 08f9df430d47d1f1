import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createMlflow, loadMlflowConfig } from '@covertype/mlflow';
import { startMlflowTestServer, startS3Server } from '@covertype/mlflow/testing';
import { SERVING_COST_TAGS } from '@covertype/schema';
import { buildApp } from '../src/app.ts';
import { RoutingModelSource } from '../src/model/source-for.ts';
import { bodyOf, loadRows, registerModel, silent, tempDir, trainModel } from './helper.ts';

const row = bodyOf(loadRows(1, 55_000)[0]!);
const COST_TAGS = {
  [SERVING_COST_TAGS.usPerRowSingle]: '12.5',
  [SERVING_COST_TAGS.usPerRowBatch]: '1.25',
  [SERVING_COST_TAGS.onnxBytes]: '4096',
  [SERVING_COST_TAGS.trees]: '21',
};

describe('models from the MLflow registry with artifacts in S3', () => {
  it('serves the champion, follows the alias, and loads other models per request', async () => {
    const s3 = await startS3Server();
    const mlflow = await startMlflowTestServer({ defaultArtifactRoot: `s3://${s3.bucket}/artifacts` });
    const tmp = await tempDir();
    const env = { ...s3.env, MLFLOW_TRACKING_URI: mlflow.url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' };
    const backend = createMlflow(loadMlflowConfig(env));
    const [a, b] = await Promise.all([trainModel(0, 8), trainModel(1, 3)]);
    const v1 = await registerModel(backend, a);
    await registerModel(backend, b, { name: 'covertype-small' });

    const app = await buildApp({
      model: {
        source: new RoutingModelSource(path.join(tmp.dir, 'cache'), loadMlflowConfig(env), silent),
        uri: 'models:/covertype@champion',
        cacheDir: path.join(tmp.dir, 'cache'),
        logger: silent,
        pollMs: 50,
        retryMaxMs: 200,
        lruSize: 2,
      },
      logger: false,
      maxBatch: 64,
      maxInflight: 64,
      bodyLimit: 1 << 20,
    });
    await app.ready();
    const manager = app.models;
    try {
      await manager.ready(15_000);
      const first = await app.inject({ method: 'POST', url: '/predict', payload: row });
      assert.equal(first.statusCode, 200);
      assert.equal(first.json().model, 'covertype');
      assert.equal(first.json().version, v1);

      // The trainer promotes a new version: the poll swaps it in.
      // The gate writes the version's serving cost as tags before the alias moves.
      const v2 = await registerModel(backend, b, { tags: COST_TAGS });
      const deadline = Date.now() + 15_000;
      while (manager.current?.version !== v2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(manager.current?.version, v2);
      const second = await app.inject({ method: 'POST', url: '/predict', payload: row });
      assert.equal(second.json().version, v2);

      // Another registered model, chosen per request, loaded into the LRU.
      const other = await app.inject({
        method: 'POST',
        url: '/predict?model=covertype-small@champion',
        payload: row,
      });
      assert.equal(other.statusCode, 200, other.body);
      assert.equal(other.json().model, 'covertype-small');
      assert.deepEqual(other.json().probabilities, second.json().probabilities, 'same bytes, same answer');
      const v2infer = await app.inject({
        method: 'POST',
        url: '/v2/models/covertype-small/infer',
        payload: {
          inputs: [
            {
              name: 'numeric',
              shape: [1, 10],
              datatype: 'FP32',
              data: [2596, 51, 3, 258, 0, 510, 221, 232, 148, 6279],
            },
          ],
        },
      });
      assert.equal(v2infer.statusCode, 200, v2infer.body);
      assert.equal(v2infer.json().model_name, 'covertype-small');

      const models = (await app.inject('/models')).json();
      assert.deepEqual(
        models.loaded.map((m: { name: string; version: string }) => `${m.name}:${m.version}`),
        [`covertype:${v2}`, 'covertype-small:1'],
      );
      assert.deepEqual(models.loaded[0].serving_cost, {
        us_per_row_single: 12.5,
        us_per_row_batch256: 1.25,
        onnx_bytes: 4096,
        trees: 21,
      });
      assert.equal(models.loaded[1].serving_cost, null, 'a version without cost tags shows none');
      const registered = models.registered.find((m: { name: string }) => m.name === 'covertype');
      assert.ok(
        registered.versions.some(
          (v: { version: string; aliases: string[] }) => v.version === v2 && v.aliases.includes('champion'),
        ),
      );
      const missing = await app.inject({ method: 'POST', url: '/predict?model=no-such-model', payload: row });
      assert.equal(missing.statusCode, 404);
    } finally {
      await app.close();
      await mlflow.close();
      await s3.close();
      await tmp.cleanup();
    }
  });
});
