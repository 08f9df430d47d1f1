import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXAMPLE_FEATURES } from '@covertype/schema';
import { checkRow } from '../src/input/row.ts';

// A negative vertical distance is valid (water below the point).
const valid = { ...EXAMPLE_FEATURES, Vertical_Distance_To_Hydrology: -10 };

// Each row and whether the row contract takes it.
const cases: [string, unknown, boolean][] = [
  ['valid', valid, true],
  ['categories omitted', { ...valid, Wilderness_Area: undefined, Soil_Type: undefined }, true],
  ['categories null', { ...valid, Wilderness_Area: null, Soil_Type: null }, true],
  ["'' and 0 as missing", { ...valid, Wilderness_Area: '', Soil_Type: 0 }, true],
  ['long wilderness name', { ...valid, Wilderness_Area: 'Cache la Poudre Wilderness Area' }, true],
  ['range edges', { ...valid, Slope: 0, Aspect: 360, Vertical_Distance_To_Hydrology: -2000 }, true],
  ['extra fields', { ...valid, Cover_Type: 2, id: 'x' }, true],
  ['missing number', { ...valid, Elevation: undefined }, false],
  ['numeric string', { ...valid, Elevation: '2596' }, false],
  ['boolean', { ...valid, Slope: true }, false],
  ['below range', { ...valid, Slope: -1 }, false],
  ['above range', { ...valid, Aspect: 361 }, false],
  ['NaN', { ...valid, Slope: Number.NaN }, false],
  ['Infinity', { ...valid, Slope: Number.POSITIVE_INFINITY }, false],
  ['unknown area', { ...valid, Wilderness_Area: 'Yosemite' }, false],
  ['area as number', { ...valid, Wilderness_Area: 1 }, false],
  ['unknown soil', { ...valid, Soil_Type: 12 }, false],
  ['fractional soil', { ...valid, Soil_Type: 7745.5 }, false],
  ['soil as string', { ...valid, Soil_Type: '7745' }, false],
  ['not an object', 'Elevation=1', false],
  ['null body', null, false],
];

describe('checkRow', () => {
  for (const [name, input, expected] of cases) {
    it(`${expected ? 'takes' : 'refuses'} ${name}`, () => {
      let checked = true;
      try {
        checkRow(input);
      } catch {
        checked = false;
      }
      assert.equal(checked, expected);
    });
  }

  it('maps long names to the canonical name and missing categories to the model missing values', () => {
    const row = checkRow({ ...valid, Wilderness_Area: ' comanche peak ', Soil_Type: null });
    assert.equal(row.Wilderness_Area, 'Commanche');
    assert.equal(row.Soil_Type, 0);
  });
});
