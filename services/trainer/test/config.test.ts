import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, parseGroups } from '../src/config.ts';

describe('trainer config', () => {
  it('reads DATA_GROUP as one group, a list, a range or all', () => {
    const cases: [string, number[]][] = [
      ['3', [3]],
      ['1,2,5', [1, 2, 5]],
      [' 5, 1 ,5 ', [1, 5]],
      ['2-4', [2, 3, 4]],
      ['all', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
      ['ALL', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
    ];
    for (const [input, expected] of cases) assert.deepEqual(parseGroups(input), expected, input);
    for (const bad of ['0', '11', 'x', '4-2', '1,,2', ''])
      assert.throws(() => parseGroups(bad), /not a group 1\.\.10/, bad);
  });

  it('defaults to a data API process of its own, the file store and the local MLflow directory', () => {
    const config = loadConfig({});
    assert.equal(config.DATA_API_URL, undefined);
    assert.equal(config.DATABASE_URL, undefined);
    assert.deepEqual(config.DATA_GROUP, [1]);
    assert.equal(config.SEARCH_PRESET, 'default');
    assert.equal(config.MODEL_NAME, 'covertype');
    assert.match(config.mlflow.trackingUri, /^file:.*mlruns$/);
  });

  it('names every bad setting, what arrived and what was expected, in one line', () => {
    assert.throws(
      () => loadConfig({ DATA_GROUP: '12', DATABASE_URL: 'postgres://x', SEARCH_PRESET: 'huge' }),
      (err: Error) =>
        err.name === 'ConfigError' &&
        !err.message.includes('\n') &&
        /DATA_GROUP="12": "12" is not a group/.test(err.message) &&
        /DATABASE_URL="postgres:\/\/x": expected mysql:\/\//.test(err.message) &&
        /SEARCH_PRESET="huge"/.test(err.message),
    );
    assert.throws(() => loadConfig({ MLFLOW_TRACKING_URI: 'ftp://x' }), /MLFLOW_TRACKING_URI/);
  });

  it('reads SERVING_BUDGET_US as µs per row, unset or empty meaning no budget', () => {
    assert.equal(loadConfig({}).SERVING_BUDGET_US, 0);
    assert.equal(loadConfig({ SERVING_BUDGET_US: '' }).SERVING_BUDGET_US, 0);
    assert.equal(loadConfig({ SERVING_BUDGET_US: '250.5' }).SERVING_BUDGET_US, 250.5);
    for (const bad of ['fast', '-1', 'Infinity']) {
      assert.throws(
        () => loadConfig({ SERVING_BUDGET_US: bad }),
        (err: Error) =>
          err.name === 'ConfigError' &&
          !err.message.includes('\n') &&
          new RegExp(`SERVING_BUDGET_US="${bad}": expected a`).test(err.message),
        bad,
      );
    }
  });
});
