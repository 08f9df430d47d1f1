import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXAMPLE_FEATURES } from '@covertype/schema';
import { checkRow } from '../src/input/row.ts';
import { PredictRowSchema } from '../src/schemas/predict.ts';

// A negative vertical distance is valid (water below the point).
const valid = { ...EXAMPLE_FEATURES, Vertical_Distance_To_Hydrology: -10 };

// The hand-written checker runs on the hot path; the zod schema documents it in OpenAPI. Same verdicts.
const cases: [string, unknown][] = [
  ['valid', valid],
  ['categories omitted', { ...valid, Wilderness_Area: undefined, Soil_Type: undefined }],
  ['categories null', { ...valid, Wilderness_Area: null, Soil_Type: null }],
  ["'' and 0 as missing", { ...valid, Wilderness_Area: '', Soil_Type: 0 }],
  ['long wilderness name', { ...valid, Wilderness_Area: 'Cache la Poudre Wilderness Area' }],
  ['range edges', { ...valid, Slope: 0, Aspect: 360, Vertical_Distance_To_Hydrology: -2000 }],
  ['extra fields', { ...valid, Cover_Type: 2, id: 'x' }],
  ['missing number', { ...valid, Elevation: undefined }],
  ['numeric string', { ...valid, Elevation: '2596' }],
  ['boolean', { ...valid, Slope: true }],
  ['below range', { ...valid, Slope: -1 }],
  ['above range', { ...valid, Aspect: 361 }],
  ['NaN', { ...valid, Slope: Number.NaN }],
  ['Infinity', { ...valid, Slope: Number.POSITIVE_INFINITY }],
  ['unknown area', { ...valid, Wilderness_Area: 'Yosemite' }],
  ['area as number', { ...valid, Wilderness_Area: 1 }],
  ['unknown soil', { ...valid, Soil_Type: 12 }],
  ['fractional soil', { ...valid, Soil_Type: 7745.5 }],
  ['soil as string', { ...valid, Soil_Type: '7745' }],
  ['not an object', 'Elevation=1'],
  ['null body', null],
];

describe('checkRow and PredictRowSchema', () => {
  for (const [name, input] of cases) {
    it(`agree on ${name}`, () => {
      let checked = true;
      try {
        checkRow(input);
      } catch {
        checked = false;
      }
      assert.equal(checked, PredictRowSchema.safeParse(input).success);
    });
  }

  it('maps long names to the canonical name and missing categories to the model missing values', () => {
    const row = checkRow({ ...valid, Wilderness_Area: ' comanche peak ', Soil_Type: null });
    assert.equal(row.Wilderness_Area, 'Commanche');
    assert.equal(row.Soil_Type, 0);
  });
});
