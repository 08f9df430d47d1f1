import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dataFile } from '@covertype/testkit';
import { buildBatch, isBatchIteration, parseServingCsv, pickRow, splitCsvLine } from '../lib/payloads.ts';

const HEADER =
  'Elevation,Aspect,Slope,Horizontal_Distance_To_Hydrology,Vertical_Distance_To_Hydrology,' +
  'Horizontal_Distance_To_Roadways,Hillshade_9am,Hillshade_Noon,Hillshade_3pm,Horizontal_Distance_To_Fire_Points,' +
  'Wilderness_Area,Soil_Type';

test('a serving CSV row becomes the /predict body: ten numbers, the area and the soil code', () => {
  const [row] = parseServingCsv(`${HEADER}\n2723,185,17,30,9,1421,221,250,156,2190,Rawah,4744\n`);
  assert.deepEqual(row, {
    Elevation: 2723,
    Aspect: 185,
    Slope: 17,
    Horizontal_Distance_To_Hydrology: 30,
    Vertical_Distance_To_Hydrology: 9,
    Horizontal_Distance_To_Roadways: 1421,
    Hillshade_9am: 221,
    Hillshade_Noon: 250,
    Hillshade_3pm: 156,
    Horizontal_Distance_To_Fire_Points: 2190,
    Wilderness_Area: 'Rawah',
    Soil_Type: 4744,
  });
});

test('empty categorical fields are left out, CRLF and blank lines are tolerated, extra columns ignored', () => {
  const rows = parseServingCsv(`${HEADER},Cover_Type\r\n1,2,3,4,5,6,7,8,9,10,,,2\r\n\r\n`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.Wilderness_Area, undefined);
  assert.equal(rows[0]?.Soil_Type, undefined);
  assert.equal(rows[0]?.Horizontal_Distance_To_Fire_Points, 10);
});

test('a broken row is an error naming the line, the column and the value', () => {
  assert.throws(
    () => parseServingCsv(`${HEADER}\n1,2,3,4,5,6,7,8,9,10,Rawah,4744\n1,2,abc,4,5,6,7,8,9,10,Rawah,4744\n`),
    /line 3: Slope is "abc", expected a number/,
  );
  assert.throws(() => parseServingCsv('Elevation,Aspect\n1,2\n'), /no column Slope/);
  assert.throws(() => parseServingCsv(`${HEADER}\n`), /no data rows/);
});

test('quoted fields keep their commas', () => {
  assert.deepEqual(splitCsvLine('1,"Cache, la ""Poudre""",3'), ['1', 'Cache, la "Poudre"', '3']);
});

test('the real serving file parses completely, capped by maxRows', () => {
  const text = readFileSync(dataFile('covertype_serving.csv'), 'utf8');
  const all = parseServingCsv(text);
  assert.ok(all.length > 1000, `only ${all.length} rows`);
  assert.ok(all.every((r) => Number.isFinite(r.Elevation) && r.Elevation > 1000));
  assert.equal(parseServingCsv(text, 50).length, 50);
});

test('rows are picked deterministically and wrap around; batches are consecutive rows', () => {
  const rows = parseServingCsv(
    `${HEADER}\n1,0,0,0,0,0,0,0,0,0,,\n2,0,0,0,0,0,0,0,0,0,,\n3,0,0,0,0,0,0,0,0,0,,\n`,
  );
  assert.equal(pickRow(rows, 4).Elevation, 2);
  const batch = buildBatch(rows, 1, 2);
  assert.deepEqual(
    batch.rows.map((r) => r.Elevation),
    [3, 1],
  );
});

test('the batch share is exact over each window and 0/1 mean never/always', () => {
  const count = (share: number, n: number) =>
    Array.from({ length: n }, (_, i) => isBatchIteration(i, share)).filter(Boolean).length;
  assert.equal(count(0.1, 100), 10);
  assert.equal(count(0.25, 8), 2);
  assert.equal(count(0, 50), 0);
  assert.equal(count(1, 50), 50);
});
