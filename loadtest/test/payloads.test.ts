import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dataFile } from '@covertype/testkit';
import {
  buildBatch,
  csvBody,
  dataframeSplit,
  parseServingCsv,
  pickRow,
  splitCsvLine,
  v2InferRequest,
} from '../lib/payloads.ts';

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

test('MLflow bodies: dataframe_split columns in the model order, CSV with empty fields for missing values', () => {
  const rows = parseServingCsv(`${HEADER}\n1,2,3,4,5,6,7,8,9,10,Rawah,4744\n1,2,3,4,5,6,7,8,9,10,,\n`);
  const split = dataframeSplit(rows).dataframe_split;
  assert.deepEqual(split.columns, HEADER.split(','));
  assert.deepEqual(split.data[0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'Rawah', 4744]);
  assert.deepEqual(split.data[1]?.slice(-2), [null, null]);
  assert.equal(csvBody(rows), `${HEADER}\n1,2,3,4,5,6,7,8,9,10,Rawah,4744\n1,2,3,4,5,6,7,8,9,10,,\n`);
  assert.match(csvBody([{ ...rows[0]!, Wilderness_Area: 'Cache, "la" Poudre' }]), /,"Cache, ""la"" Poudre",/);
});

test('V2 tensors: numeric FP32 [N,10]; a categorical input only when every row has it', () => {
  const rows = parseServingCsv(
    `${HEADER}\n1,2,3,4,5,6,7,8,9,10,Rawah,4744\n11,12,13,14,15,16,17,18,19,20,Comanche,\n`,
  );
  const body = v2InferRequest(rows, 'req-1');
  assert.equal(body.id, 'req-1');
  assert.deepEqual(
    body.inputs.map((t) => [t.name, t.datatype, t.shape]),
    [
      ['numeric', 'FP32', [2, 10]],
      ['Wilderness_Area', 'BYTES', [2, 1]],
    ],
  );
  assert.deepEqual(body.inputs[0]?.data.slice(8, 12), [9, 10, 11, 12]);
});
