import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NUMERIC_FEATURES } from '@covertype/schema';
import { SERVICE_VERSION } from '../src/app.ts';
import { bodyOf, loadRows, startApp, type TestApp } from './helper.ts';

const rows = loadRows(20, 10_000);
const row = bodyOf(rows[0]!);

describe('inference API over app.inject', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ maxBatch: 8 });
  });
  after(() => t.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers });

  it('POST /predict answers the class, its name and 7 probabilities summing to 1', async () => {
    const res = await post('/predict', row);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.model, 'covertype');
    assert.ok(Number.isInteger(body.Cover_Type) && body.Cover_Type >= 1 && body.Cover_Type <= 7);
    assert.equal(typeof body.class_name, 'string');
    assert.equal(body.probabilities.length, 7);
    const sum = body.probabilities.reduce((a: number, b: number) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
    assert.equal(body.Cover_Type, body.probabilities.indexOf(Math.max(...body.probabilities)) + 1);
  });

  it('POST /predict accepts missing categories and long wilderness names', async () => {
    const { Wilderness_Area: _w, Soil_Type: _s, ...numeric } = row;
    assert.equal((await post('/predict', numeric)).statusCode, 200);
    assert.equal(
      (await post('/predict', { ...numeric, Wilderness_Area: null, Soil_Type: null })).statusCode,
      200,
    );
    const long = await post('/predict', { ...row, Wilderness_Area: 'Rawah Wilderness Area' });
    const short = await post('/predict', { ...row, Wilderness_Area: 'Rawah' });
    assert.deepEqual(long.json(), short.json());
  });

  const bad: [string, unknown, string][] = [
    ['a missing feature', { ...row, Elevation: undefined }, 'Elevation'],
    ['a string for a number', { ...row, Slope: '3' }, 'Slope'],
    ['null for a number', { ...row, Aspect: null }, 'Aspect'],
    ['an out-of-range value', { ...row, Hillshade_9am: 300 }, 'Hillshade_9am'],
    [
      'a negative distance',
      { ...row, Horizontal_Distance_To_Roadways: -1 },
      'Horizontal_Distance_To_Roadways',
    ],
    ['an unknown wilderness area', { ...row, Wilderness_Area: 'Yosemite' }, 'Wilderness_Area'],
    ['a number for the wilderness area', { ...row, Wilderness_Area: 3 }, 'Wilderness_Area'],
    ['an unknown soil code', { ...row, Soil_Type: 1234 }, 'Soil_Type'],
    ['a fractional soil code', { ...row, Soil_Type: 7745.5 }, 'Soil_Type'],
    ['an array body', [row], 'body'],
  ];
  for (const [what, payload, field] of bad) {
    it(`POST /predict refuses ${what} with 400 naming ${field}`, async () => {
      const res = await post('/predict', payload);
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json();
      assert.equal(body.field, field);
      assert.match(body.message, new RegExp(field));
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, 'no stack trace');
    });
  }

  it('refuses NaN and Infinity, which JSON cannot carry, as invalid JSON', async () => {
    const res = await post(
      '/predict',
      JSON.stringify({ ...row, Slope: 3 }).replace('"Slope":3', '"Slope":NaN'),
      {
        'content-type': 'application/json',
      },
    );
    assert.equal(res.statusCode, 400);
    const inf = await post(
      '/predict',
      JSON.stringify({ ...row, Slope: 3 }).replace('"Slope":3', '"Slope":1e999'),
      {
        'content-type': 'application/json',
      },
    );
    // 1e999 parses to Infinity: refused as not finite.
    assert.equal(inf.statusCode, 400);
    assert.match(inf.json().message, /Slope/);
  });

  it('names the range in the message of an out-of-range value', async () => {
    const spec = NUMERIC_FEATURES.find((f) => f.name === 'Slope')!;
    const res = await post('/predict', { ...row, Slope: 91 });
    assert.match(res.json().message, new RegExp(`${spec.min}\\.\\.${spec.max}`));
  });

  it('answers 415 to a body that is not JSON, 400 to broken JSON and 413 above BODY_LIMIT', async () => {
    const text = await post('/predict', 'Elevation=1', { 'content-type': 'text/plain' });
    assert.equal(text.statusCode, 415);
    const form = await post('/predict', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.statusCode, 415);
    const broken = await post('/predict', '{"Elevation":', { 'content-type': 'application/json' });
    assert.equal(broken.statusCode, 400);
    const huge = await post('/predict/batch', { rows: Array.from({ length: 5000 }, () => row) });
    assert.equal(huge.statusCode, 413);
  });

  it('POST /predict/batch predicts each row as /predict does', async () => {
    const batch = rows.slice(0, 8).map(bodyOf);
    const res = await post('/predict/batch', { rows: batch });
    assert.equal(res.statusCode, 200);
    const { predictions } = res.json();
    assert.equal(predictions.length, 8);
    for (let i = 0; i < 8; i++) {
      const single = (await post('/predict', batch[i])).json();
      assert.equal(predictions[i].Cover_Type, single.Cover_Type);
      assert.deepEqual(predictions[i].probabilities, single.probabilities);
    }
  });

  it('POST /predict/batch: over MAX_BATCH → 413, empty → 400, a bad row → 400 naming it', async () => {
    const over = await post('/predict/batch', { rows: Array.from({ length: 9 }, () => row) });
    assert.equal(over.statusCode, 413);
    assert.match(over.json().message, /MAX_BATCH=8/);
    assert.equal((await post('/predict/batch', { rows: [] })).statusCode, 400);
    assert.equal((await post('/predict/batch', { nope: [] })).statusCode, 400);
    const badRow = await post('/predict/batch', { rows: [row, { ...row, Elevation: -5 }] });
    assert.equal(badRow.statusCode, 400);
    assert.equal(badRow.json().field, 'rows[1].Elevation');
  });

  it('GET /healthz, /readyz, /ping, /version, /v2/health/* answer while ready', async () => {
    assert.equal((await t.app.inject('/healthz')).statusCode, 200);
    const ready = await t.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().model, 'covertype');
    assert.equal((await t.app.inject('/ping')).statusCode, 200);
    assert.equal((await t.app.inject('/health')).statusCode, 200);
    assert.equal(
      (await t.app.inject('/version')).body,
      SERVICE_VERSION,
      'its own version, not an MLflow one',
    );
    assert.deepEqual((await t.app.inject('/v2/health/live')).json(), { live: true });
    assert.deepEqual((await t.app.inject('/v2/health/ready')).json(), { ready: true });
    assert.equal((await t.app.inject('/v2')).json().name, 'covertype-inference-api');
  });

  it('GET /models lists the loaded model with its load time', async () => {
    const res = await t.app.inject('/models');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.loaded.length, 1);
    assert.equal(body.loaded[0].name, 'covertype');
    assert.equal(body.loaded[0].default, true);
    assert.ok(Date.parse(body.loaded[0].loaded_at) <= Date.now());
    assert.equal(body.loaded[0].serving_cost, null, 'a model folder has no measured cost');
  });

  it('GET /metrics exposes request counts, latency, in-flight, shed, inference time, model info, lag and RSS', async () => {
    await post('/predict', row);
    const text = (await t.app.inject('/metrics')).body;
    for (const name of [
      'http_requests_total{route="/predict",method="POST",status="200"}',
      'http_request_duration_seconds_bucket{le="0.005",route="/predict",method="POST",status="200"}',
      'http_requests_in_flight',
      'http_requests_shed_total',
      'model_inference_duration_seconds_count{model="covertype"}',
      'model_info{name="covertype"',
      'nodejs_eventloop_lag_seconds',
      'process_resident_memory_bytes',
    ]) {
      assert.ok(text.includes(name), `missing ${name}`);
    }
  });

  it('serves the OpenAPI document and Swagger UI at /docs', async () => {
    const spec = (await t.app.inject('/docs/json')).json();
    for (const path of ['/predict', '/predict/batch', '/invocations', '/v2/models/{name}/infer', '/models']) {
      assert.ok(spec.paths[path], `no ${path} in OpenAPI`);
    }
    assert.ok(
      spec.paths['/predict'].post.requestBody.content['application/json'].schema.properties.Elevation,
    );
    assert.equal((await t.app.inject('/docs')).statusCode < 400, true);
  });

  it('answers 404 for an unknown route and an unknown model', async () => {
    assert.equal((await t.app.inject('/nope')).statusCode, 404);
    const res = await post('/predict?model=does-not-exist', row);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().field, 'model');
    const path = await post('/predict?model=..%2F..%2Fetc', row);
    assert.equal(path.statusCode, 400);
  });
});

describe('before the model is loaded', () => {
  it('answers 503 with Retry-After on /readyz, /predict, /ping and /v2 readiness', async () => {
    const t = await startApp({
      wait: false,
      manager: { uri: '/nonexistent/model/dir', retryMaxMs: 60_000 },
    });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const ready = await t.app.inject('/readyz');
      assert.equal(ready.statusCode, 503);
      assert.match(ready.json().message, /not loaded yet.*does not exist/);
      const predict = await t.app.inject({ method: 'POST', url: '/predict', payload: row });
      assert.equal(predict.statusCode, 503);
      assert.ok(predict.headers['retry-after']);
      assert.match(predict.json().message, /not loaded yet/);
      assert.equal((await t.app.inject('/ping')).statusCode, 503);
      assert.equal((await t.app.inject('/v2/health/ready')).statusCode, 503);
      assert.equal((await t.app.inject('/healthz')).statusCode, 200, 'still live');
    } finally {
      await t.close();
    }
  });
});
