import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkFeatures,
  checkRecord,
  FEATURES_JSON_SCHEMA,
  rowAjv,
  SOIL_TYPES,
  toWildernessArea,
} from '../src/index.ts';

const good = [
  '2862',
  '294',
  '22',
  '120',
  '18',
  '1273',
  '154',
  '229',
  '213',
  '1323',
  'Commanche',
  '7757',
  '1',
];

function withField(index: number, value: string): string[] {
  const copy = [...good];
  copy[index] = value;
  return copy;
}

describe('checkRecord', () => {
  it('turns a valid CSV record into a typed row', () => {
    const result = checkRecord(good);
    assert.ok(result.ok);
    assert.equal(result.row.Elevation, 2862);
    assert.equal(result.row.Wilderness_Area, 'Commanche');
    assert.equal(result.row.Soil_Type, 7757);
    assert.equal(result.row.Cover_Type, 1);
  });

  const cases: Array<[string, number, string, string, RegExp]> = [
    ['slope above 90 degrees', 2, '110', 'Slope', /110 is above the maximum 90/],
    ['aspect below 0', 1, '-1', 'Aspect', /below the minimum 0/],
    ['hillshade above 255', 7, '256', 'Hillshade_Noon', /above the maximum 255/],
    ['text in a numeric column', 0, 'abc', 'Elevation', /"abc" is not a finite number/],
    ['empty numeric field', 5, '', 'Horizontal_Distance_To_Roadways', /not a finite number/],
    ['Infinity', 9, 'Infinity', 'Horizontal_Distance_To_Fire_Points', /not a finite number/],
    ['unknown wilderness', 10, 'Yosemite', 'Wilderness_Area', /"Yosemite" is not one of Rawah/],
    ['unknown soil code', 11, '2701', 'Soil_Type', /"2701" is not one of the 40 ELU soil codes/],
    ['class 0', 12, '0', 'Cover_Type', /not a class 1..7/],
    ['class 8', 12, '8', 'Cover_Type', /not a class 1..7/],
  ];
  for (const [name, index, value, field, reason] of cases) {
    it(`rejects ${name} naming the field`, () => {
      const result = checkRecord(withField(index, value));
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.field, field);
      assert.match(result.reason, reason);
    });
  }

  it('canonicalises long wilderness names and takes JSON numbers as the data API sends them', () => {
    const record: unknown[] = good.map((v, i) => (i === 10 ? 'cache la poudre' : Number(v)));
    const result = checkRecord(record);
    assert.ok(result.ok);
    assert.equal(result.row.Wilderness_Area, 'Cache');
    const features = checkFeatures(record.slice(0, 12));
    assert.ok(features.ok);
    assert.equal('Cover_Type' in features.row, false);
  });

  it('refuses null where the data API sends an empty field, and a missing wilderness area', () => {
    const nulled = checkRecord(good.map((v, i) => (i === 3 ? null : v)));
    assert.equal(nulled.ok, false);
    if (!nulled.ok)
      assert.deepEqual(
        [nulled.field, nulled.reason],
        ['Horizontal_Distance_To_Hydrology', 'null is not a finite number'],
      );
    const noArea = checkRecord(withField(10, ''));
    assert.equal(noArea.ok, false);
    if (!noArea.ok) assert.equal(noArea.field, 'Wilderness_Area');
  });
});

describe('wilderness names', () => {
  it('maps the long names to the canonical ones', () => {
    assert.equal(toWildernessArea('Comanche Peak'), 'Commanche');
    assert.equal(toWildernessArea('Commanche Peak'), 'Commanche');
    assert.equal(toWildernessArea('cache la poudre'), 'Cache');
    assert.equal(toWildernessArea('  Rawah '), 'Rawah');
    assert.equal(toWildernessArea('Everglades'), undefined);
  });
});

describe('FEATURES_JSON_SCHEMA', () => {
  const validate = rowAjv().compile(FEATURES_JSON_SCHEMA);
  const row = {
    Elevation: 2862,
    Aspect: 294,
    Slope: 22,
    Horizontal_Distance_To_Hydrology: 120,
    Vertical_Distance_To_Hydrology: 18,
    Horizontal_Distance_To_Roadways: 1273,
    Hillshade_9am: 154,
    Hillshade_Noon: 229,
    Hillshade_3pm: 213,
    Horizontal_Distance_To_Fire_Points: 1323,
    Wilderness_Area: 'Comanche Peak',
    Soil_Type: 7757,
  };

  it('accepts a row with a long wilderness name, and missing categories', () => {
    assert.equal(validate(row), true);
    assert.equal(validate({ ...row, Wilderness_Area: null, Soil_Type: null }), true);
    assert.equal(validate({ ...row, Wilderness_Area: '', Soil_Type: 0 }), true);
    const { Wilderness_Area: _w, Soil_Type: _s, ...numeric } = row;
    assert.equal(validate(numeric), true);
  });

  it('names the field of a bad soil code, wilderness name or value', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...row, Soil_Type: 1234 }, '/Soil_Type'],
      [{ ...row, Wilderness_Area: 'Narnia' }, '/Wilderness_Area'],
      [{ ...row, Slope: 91 }, '/Slope'],
      [{ ...row, Aspect: '51' }, '/Aspect'],
    ];
    for (const [input, path] of cases) {
      assert.equal(validate(input), false);
      assert.equal(validate.errors![0]!.instancePath, path);
    }
  });

  it('knows the 40 soil codes', () => {
    assert.equal(SOIL_TYPES.length, 40);
    assert.equal(new Set(SOIL_TYPES).size, 40);
  });
});
