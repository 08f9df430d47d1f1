import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MODEL_SIGNATURE, toModelColumns, toModelFeeds } from '../src/index.ts';

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

it('lays rows out as the model inputs, marking missing categories', () => {
  const cols = toModelColumns([{ ...base, Wilderness_Area: 'Rawah', Soil_Type: 7745 }, base]);
  assert.equal(cols.rows, 2);
  assert.deepEqual(
    Array.from(cols.numeric.slice(0, 10)),
    [2862, 294, 22, 120, -18, 1273, 154, 229, 213, 1323],
  );
  assert.deepEqual(cols.wilderness, ['Rawah', '']);
  assert.deepEqual(Array.from(cols.soil), [7745n, 0n]);
});

it('wraps the columns as the signature input tensors, without copying them', () => {
  class Tensor {
    constructor(
      readonly type: string,
      readonly data: unknown,
      readonly dims: readonly number[],
    ) {}
  }
  const cols = toModelColumns([base, base, base]);
  const feeds = toModelFeeds(Tensor, cols);
  assert.deepEqual(
    Object.keys(feeds),
    MODEL_SIGNATURE.inputs.map((i) => i.name),
  );
  for (const input of MODEL_SIGNATURE.inputs) {
    const tensor = feeds[input.name]!;
    assert.equal(tensor.type, input['tensor-spec'].dtype === 'str' ? 'string' : input['tensor-spec'].dtype);
    assert.deepEqual(tensor.dims, [3, ...input['tensor-spec'].shape.slice(1)]);
  }
  assert.equal(feeds.numeric!.data, cols.numeric);
  assert.equal(feeds.Wilderness_Area!.data, cols.wilderness);
  assert.equal(feeds.Soil_Type!.data, cols.soil);
});
