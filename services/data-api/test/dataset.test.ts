import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { checkRecord } from '@covertype/schema';
import { dataFile } from '@covertype/testkit';
import { splitCsvLine } from '../src/dataset/csv-line.ts';
import { DatasetError, loadDataset, parseDataset, RowKind } from '../src/dataset/dataset.ts';
import { isPlainValidRow } from '../src/dataset/fast-row.ts';
import { rowJson } from '../src/dataset/row-json.ts';
import { csv, HEADER, testApp, validLine } from './helper.ts';

const isPlain = (line: string) => isPlainValidRow(Buffer.from(line), 0, Buffer.byteLength(line));

test('the anomalies file: its bad rows are counted by field and reason, with lines', async () => {
  const dataset = await loadDataset(dataFile('covertype_anomalies.csv'));
  assert.equal(dataset.rows, 75_000, 'invalid rows are kept, not dropped');
  assert.equal(dataset.invalid.count, 5);
  assert.deepEqual(dataset.invalid.byField, { Slope: 3, Soil_Type: 2 });
  assert.deepEqual(dataset.invalid.byReason, {
    'Slope is above the maximum 90': 3,
    'Soil_Type is not one of the 40 ELU soil codes': 2,
  });
  assert.deepEqual(dataset.invalid.examples[0], {
    line: 2,
    field: 'Slope',
    reason: '110 is above the maximum 90',
  });
});

test('GET /data/summary exposes rows, batch sizes and the invalid rows; bad rows are served as they are', async (t) => {
  const dataset = await loadDataset(dataFile('covertype_anomalies.csv'));
  const app = await testApp({ dataset, seed: 'x', minUpdateTime: 0 });
  t.after(() => app.close());
  const summary = (await app.inject({ method: 'GET', url: '/data/summary' })).json();
  assert.equal(summary.rows, 75_000);
  assert.equal(summary.groups, 10);
  assert.deepEqual(summary.batch_size, { min: 750, max: 750 });
  assert.equal(summary.invalid_rows.count, 5);
  assert.deepEqual(summary.invalid_rows.by_field, { Slope: 3, Soil_Type: 2 });
  assert.equal(summary.progress.length, 10);

  // Line 2 of the file (Slope 110) is in group 1: one of its batches serves it unchanged.
  const group1: unknown[] = [];
  for (let b = 1; b <= 10; b++) {
    const res = await app.inject({ method: 'GET', url: '/data?group_number=1' });
    group1.push(...(res.json() as { data: unknown[] }).data);
  }
  assert.equal(group1.length, 7500);
  assert.ok(
    group1.some((row) => JSON.stringify(row) === '[3004,49,110,108,14,3551,224,218,127,5309,"Rawah",7745,2]'),
  );
});

test('the fast path never accepts a row that checkRecord rejects', () => {
  const lines = [
    validLine(1),
    '3004,49,110,108,14,3551,224,218,127,5309,Rawah,7745,2',
    '3004,49,10,108,14,3551,224,218,127,5309,Rawah,2701,2',
    '3004,49,10,108,14,3551,224,218,127,5309,Rawah,7745,8',
    '3004,49,10,108,14,3551,224,218,127,5309,Rawah,7745,0',
    '3004,-1,10,108,14,3551,224,218,127,5309,Rawah,7745,1',
    '3004,49,10,108,-2001,3551,224,218,127,5309,Rawah,7745,1',
    '3004,49,10,108,-2000,3551,224,218,127,5309,Neota,7745,1',
    '3004,049,10,108,14,3551,224,218,127,5309,Rawah,7745,1',
    '3004,-0,10,108,14,3551,224,218,127,5309,Rawah,7745,1',
    '3004,49.5,10,108,14,3551,224,218,127,5309,Rawah,7745,1',
    '3004, 49,10,108,14,3551,224,218,127,5309,Rawah,7745,1',
    '3004,49,10,108,14,3551,224,218,127,5309,Comanche Peak,7745,1',
    '3004,49,10,108,14,3551,224,218,127,5309,Rawahh,7745,1',
    '3004,49,10,108,14,3551,224,218,127,5309,Rawah,7745,1,9',
    '3004,49,10,108,14,3551,224,218,127,5309,Rawah,7745',
    '3004,,10,108,14,3551,224,218,127,5309,Rawah,7745,1',
    '3004,abc,10,108,14,3551,224,218,127,5309,Rawah,7745,1',
    '3004,49,10,108,14,3551,224,218,127,5309,"Rawah",7745,1',
  ];
  for (const line of lines) {
    const fields = splitCsvLine(line);
    const schemaOk = fields.length === 13 && checkRecord(fields).ok;
    if (isPlain(line)) assert.ok(schemaOk, `fast path accepted ${line}`);
  }
  assert.ok(isPlain(lines[0]!));
  assert.ok(isPlain(lines[7]!));
});

test('fast path and checkRecord agree on every row of covertype.csv', async () => {
  const text = await readFile(dataFile('covertype.csv'), 'utf8');
  const lines = text.trim().split('\n').slice(1);
  let plain = 0;
  for (const line of lines) {
    const fast = isPlain(line);
    assert.equal(fast, checkRecord(line.split(',')).ok, line);
    if (fast) plain++;
  }
  assert.equal(plain, 75_000);
});

test('valid rows written another way are served in canonical form; invalid ones as they are', () => {
  const dataset = parseDataset(
    csv([
      '3004,49.0,10,108,14,3551,224,218,127,5309,"Comanche Peak",7745,1',
      '3004,049,10,108,-14,3551,224,218,127,5309,cache la poudre,7745,1',
      '3004,abc,110,,14,3551,224,218,127,5309,Nowhere,2701,9',
      '1,2,3',
    ]),
    'x.csv',
    0,
  );
  assert.deepEqual([...dataset.kinds], [RowKind.valid, RowKind.valid, RowKind.invalid, RowKind.invalid]);
  const rows = [0, 1, 2, 3].map((i) => JSON.parse(rowJson(dataset, i)));
  assert.deepEqual(rows[0], [3004, 49, 10, 108, 14, 3551, 224, 218, 127, 5309, 'Commanche', 7745, 1]);
  assert.deepEqual(rows[1], [3004, 49, 10, 108, -14, 3551, 224, 218, 127, 5309, 'Cache', 7745, 1]);
  assert.deepEqual(rows[2], [3004, 'abc', 110, null, 14, 3551, 224, 218, 127, 5309, 'Nowhere', 2701, 9]);
  assert.deepEqual(rows[3], [1, 2, 3]);
  assert.deepEqual(dataset.invalid.byField, { Aspect: 1, row: 1 });
  assert.deepEqual(dataset.invalid.examples[1], {
    line: 5,
    field: 'row',
    reason: 'has 3 fields, expected 13',
  });
});

test('a BOM, CRLF line ends and blank lines are handled; line numbers count every line', () => {
  const text = `\uFEFF${HEADER}\r\n${validLine(1)}\r\n\r\n${validLine(2).replace('7745', '1')}\r\n`;
  const dataset = parseDataset(Buffer.from(text), 'crlf.csv', 0);
  assert.equal(dataset.rows, 2);
  assert.deepEqual(dataset.invalid.examples, [
    { line: 4, field: 'Soil_Type', reason: '"1" is not one of the 40 ELU soil codes' },
  ]);
  assert.equal(JSON.parse(rowJson(dataset, 0))[12], 2);
});

for (const [name, content, expected] of [
  ['an empty file', '', /is empty/],
  ['a wrong header', 'a,b,c\n1,2,3\n', /unexpected CSV header "a,b,c"; expected "Elevation,Aspect/],
  ['an unlabelled file', `${HEADER.replace(',Cover_Type', '')}\n`, /has no Cover_Type column/],
  ['a header without rows', `${HEADER}\n`, /has no data rows; at least 100 are needed/],
  ['too few rows', `${HEADER}\n${validLine(1)}\n`, /has only 1 data rows; at least 100/],
] as const) {
  test(`${name} is refused with a clear message`, () => {
    assert.throws(
      () => parseDataset(Buffer.from(content), 'bad.csv'),
      (err: Error) => {
        assert.ok(err instanceof DatasetError);
        assert.match(err.message, /^bad\.csv/);
        assert.match(err.message, expected);
        return true;
      },
    );
  });
}

test('a missing DATA_PATH says so and how to get the data', async () => {
  await assert.rejects(
    loadDataset('/nonexistent/covtype.csv'),
    /cannot read DATA_PATH \/nonexistent\/covtype.csv: no such file.*data:fetch/,
  );
});
