import assert from 'node:assert/strict';
import { it } from 'node:test';
import { toModelColumns } from '../src/index.ts';

it('lays rows out as the model inputs, marking missing categories', () => {
  const base = {
    Elevation: 2862,
    Aspect: 294,
    Slope: 22,
    Horizontal_Distance_To_Hydrology: 120,
    Vertical_Distance_To_Hydrology: -18,
    Horizontal_Distance_To_Roadways: 1273,
    Hillshade_9am: 154,
    Hillshade_Noon: 229,
    Hillshade_3pm: 213,
    Horizontal_Distance_To_Fire_Points: 1323,
  };
  const cols = toModelColumns([{ ...base, Wilderness_Area: 'Rawah', Soil_Type: 7745 }, base]);
  assert.equal(cols.rows, 2);
  assert.deepEqual(
    Array.from(cols.numeric.slice(0, 10)),
    [2862, 294, 22, 120, -18, 1273, 154, 229, 213, 1323],
  );
  assert.deepEqual(cols.wilderness, ['Rawah', '']);
  assert.deepEqual(Array.from(cols.soil), [7745n, 0n]);
});
