import assert from 'node:assert/strict';
import { test } from 'node:test';
import { k6Journeys, loadSettings } from '../sweep/settings.ts';

test('the sweep runs a k6 journey that exists, and names the choices when it does not', () => {
  assert.deepEqual(k6Journeys(), [
    'batch',
    'kserve-v2',
    'mixed',
    'mlflow-client',
    'predict',
    'registry-client',
  ]);
  assert.equal(loadSettings([], {}).SWEEP_SCENARIO, 'predict');
  assert.equal(loadSettings(['--scenario', 'kserve-v2'], {}).SWEEP_SCENARIO, 'kserve-v2');
  assert.throws(
    () => loadSettings([], { SWEEP_SCENARIO: 'mixd' }),
    /SWEEP_SCENARIO="mixd": expected a k6 journey: batch, kserve-v2, mixed/,
  );
});
