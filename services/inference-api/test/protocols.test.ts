import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FEATURE_COLUMNS, NUMERIC_FEATURE_NAMES, toModelColumns, toModelFeeds } from '@covertype/schema';
import ort from 'onnxruntime-node';
import { bodyOf, loadRows, startApp, type TestApp, trainModel } from './helper.ts';

/** Same probabilities up to float32 rounding (onnxruntime's softmax may vectorise differently per batch size). */
function assertClose(actual: number[][], expected: number[][], what = 'probabilities'): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((row, i) => {
    assert.equal(row.length, expected[i]!.length, what);
    row.forEach((p, c) => {
      assert.ok(Math.abs(p - expected[i]![c]!) < 1e-6, `${what}[${i}][${c}]: ${p} vs ${expected[i]![c]}`);
    });
  });
}

// Rows the model was not trained on (it saw the first 3,000): the test split.
const testRows = loadRows(200, 60_000);
const bodies = testRows.map(bodyOf);

describe('protocols agree with each other and with the ONNX model', () => {
  let t: TestApp;
  let expected: { labels: number[]; probabilities: number[][] };
  before(async () => {
    const bytes = await trainModel();
    t = await startApp({ bytes, maxBatch: 256 });
    // The reference: onnxruntime directly on the model file, outside the service.
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run(toModelFeeds(ort.Tensor, toModelColumns(testRows)));
    const p = out.probabilities!.data as Float32Array;
    expected = {
      labels: Array.from(out.label!.data as BigInt64Array, Number),
      probabilities: testRows.map((_, i) => Array.from(p.subarray(i * 7, i * 7 + 7))),
    };
    await session.release();
  });
  after(() => t.close());

  const post = (url: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url, payload: payload as object });

  it('/predict/batch equals the ONNX model on the test split', async () => {
    const res = await post('/predict/batch', { rows: bodies });
    assert.equal(res.statusCode, 200);
    const predictions = res.json().predictions as { Cover_Type: number; probabilities: number[] }[];
    assert.deepEqual(
      predictions.map((p) => p.Cover_Type),
      expected.labels,
    );
    assertClose(
      predictions.map((p) => p.probabilities),
      expected.probabilities,
    );
  });

  it('/predict, one row at a time and concurrently, equals the ONNX model', async () => {
    const answers = await Promise.all(bodies.slice(0, 50).map((b) => post('/predict', b)));
    answers.forEach((res, i) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().Cover_Type, expected.labels[i]);
      assertClose([res.json().probabilities], [expected.probabilities[i]!]);
    });
  });

  it('/invocations in all four JSON formats and CSV gives the same predictions', async () => {
    const values = bodies.map((b) => FEATURE_COLUMNS.map((c) => b[c]));
    const requests: [string, unknown][] = [
      ['dataframe_split', { dataframe_split: { columns: [...FEATURE_COLUMNS], data: values } }],
      ['dataframe_records', { dataframe_records: bodies }],
      ['instances (objects)', { instances: bodies }],
      ['instances (rows)', { instances: values }],
      ['inputs (rows)', { inputs: values }],
      [
        'inputs (model tensors)',
        {
          inputs: {
            numeric: bodies.map((b) => NUMERIC_FEATURE_NAMES.map((n) => b[n])),
            Wilderness_Area: bodies.map((b) => [b.Wilderness_Area]),
            Soil_Type: bodies.map((b) => [b.Soil_Type]),
          },
        },
      ],
      [
        'inputs (columns)',
        { inputs: Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, bodies.map((b) => b[c])])) },
      ],
    ];
    for (const [what, payload] of requests) {
      const res = await post('/invocations', payload);
      assert.equal(res.statusCode, 200, `${what}: ${res.body}`);
      assert.deepEqual(res.json().predictions.label, expected.labels, what);
      assertClose(res.json().predictions.probabilities, expected.probabilities, what);
    }
    const csv = [FEATURE_COLUMNS.join(','), ...values.map((v) => v.join(','))].join('\n');
    const res = await t.app.inject({
      method: 'POST',
      url: '/invocations',
      payload: csv,
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().predictions.label, expected.labels);
  });

  it('/invocations text/csv reads quoted fields, CRLF line ends and a BOM as a spreadsheet writes them', async () => {
    const quote = (v: unknown) => `"${String(v ?? '').replaceAll('"', '""')}"`;
    const lines = [
      FEATURE_COLUMNS.map(quote).join(','),
      ...bodies.map((b) => FEATURE_COLUMNS.map((c) => quote(b[c])).join(',')),
    ];
    const csv = (body: string) =>
      t.app.inject({
        method: 'POST',
        url: '/invocations',
        payload: body,
        headers: { 'content-type': 'text/csv' },
      });
    const res = await csv(`\uFEFF${lines.join('\r\n')}\r\n`);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().predictions.label, expected.labels);

    // A comma inside quotes stays in its field: the error names that field and the whole value.
    const area = FEATURE_COLUMNS.indexOf('Wilderness_Area');
    const bad = bodies[0]!;
    const row = FEATURE_COLUMNS.map((c, i) => (i === area ? '"Rawah, East"' : quote(bad[c]))).join(',');
    const rejected = await csv(`${lines[0]}\r\n${row}\r\n`);
    assert.equal(rejected.statusCode, 400, rejected.body);
    assert.match(
      rejected.json().message,
      /^csv\[0\]\.Wilderness_Area: unknown wilderness area "Rawah, East"/,
    );

    const unclosed = await csv(`${lines[0]}\r\n"Rawah,1\r\n`);
    assert.equal(unclosed.statusCode, 400, unclosed.body);
    assert.match(unclosed.json().message, /^CSV body: .*quote/i);
  });

  it('/v2/models/{name}/infer gives the same predictions, flattened, and echoes the id', async () => {
    const n = bodies.length;
    const res = await post('/v2/models/covertype/infer', {
      id: 'req-7',
      inputs: [
        {
          name: 'numeric',
          shape: [n, 10],
          datatype: 'FP32',
          data: bodies.map((b) => NUMERIC_FEATURE_NAMES.map((f) => b[f])),
        },
        {
          name: 'Wilderness_Area',
          shape: [n, 1],
          datatype: 'BYTES',
          data: bodies.map((b) => b.Wilderness_Area),
        },
        { name: 'Soil_Type', shape: [n, 1], datatype: 'INT64', data: bodies.map((b) => b.Soil_Type) },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.id, 'req-7');
    assert.equal(body.model_name, 'covertype');
    const label = body.outputs.find((o: { name: string }) => o.name === 'label');
    const probabilities = body.outputs.find((o: { name: string }) => o.name === 'probabilities');
    assert.deepEqual(label.shape, [n]);
    assert.deepEqual(label.data, expected.labels);
    assert.deepEqual(probabilities.shape, [n, 7]);
    assertClose([probabilities.data], [expected.probabilities.flat()]);
    const only = await post('/v2/models/covertype/infer', {
      inputs: [{ name: 'numeric', shape: [1, 10], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }],
      outputs: [{ name: 'label' }],
    });
    assert.deepEqual(
      only.json().outputs.map((o: { name: string }) => o.name),
      ['label'],
    );
  });

  it('V2 metadata describes the model tensors', async () => {
    const meta = (await t.app.inject('/v2/models/covertype')).json();
    assert.equal(meta.platform, 'onnxruntime_onnx');
    assert.deepEqual(meta.inputs, [
      { name: 'numeric', datatype: 'FP32', shape: [-1, 10] },
      { name: 'Wilderness_Area', datatype: 'BYTES', shape: [-1, 1] },
      { name: 'Soil_Type', datatype: 'INT64', shape: [-1, 1] },
    ]);
    assert.deepEqual(
      meta.outputs.map((o: { name: string }) => o.name),
      ['label', 'probabilities'],
    );
    assert.deepEqual((await t.app.inject('/v2/models/covertype/ready')).json(), {
      name: 'covertype',
      ready: true,
    });
  });

  it('each protocol answers bad input with its own error shape', async () => {
    const mlflowCases: unknown[] = [
      [bodies[0]],
      {},
      { dataframe_records: bodies, instances: bodies },
      { dataframe_split: { columns: ['Elevation'], data: [[1, 2]] } },
      { dataframe_records: [{ ...bodies[0], Elevation: 'high' }] },
    ];
    for (const payload of mlflowCases) {
      const res = await post('/invocations', payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80));
      assert.equal(res.json().error_code, 'BAD_REQUEST');
      assert.equal(typeof res.json().message, 'string');
    }
    const tooMany = await post('/invocations', {
      dataframe_records: Array.from({ length: 257 }, () => bodies[0]),
    });
    assert.equal(tooMany.statusCode, 413);
    const v2Cases: unknown[] = [
      { inputs: [{ name: 'X', shape: [1, 10], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }] },
      { inputs: [{ name: 'numeric', shape: [1, 10], datatype: 'FP32', data: [1, 2, 3] }] },
      {
        inputs: [
          { name: 'numeric', shape: [1, 10], datatype: 'BYTES', data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
        ],
      },
      {
        inputs: [
          { name: 'numeric', shape: [1, 10], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 100_000] },
        ],
      },
      {
        inputs: [
          { name: 'numeric', shape: [1, 10], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
        ],
        outputs: [{ name: 'nope' }],
      },
    ];
    for (const payload of v2Cases) {
      const res = await post('/v2/models/covertype/infer', payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80));
      assert.deepEqual(Object.keys(res.json()), ['error']);
    }
    const unknown = await t.app.inject('/v2/models/nope/ready');
    assert.equal(unknown.statusCode, 404);
    assert.ok(unknown.json().error);
  });
});
