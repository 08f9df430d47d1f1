import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';

describe('inference-api configuration', () => {
  it('listens on this machine only (127.0.0.1) unless HOST says otherwise', () => {
    assert.equal(loadConfig({}).HOST, '127.0.0.1');
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).HOST, '0.0.0.0');
  });

  it('lets single-row requests wait 1 ms for company by default, and takes other waits or 0', () => {
    assert.equal(loadConfig({}).MICRO_BATCH_WAIT, 1);
    assert.equal(loadConfig({ MICRO_BATCH_WAIT: '0' }).MICRO_BATCH_WAIT, 0);
    assert.equal(loadConfig({ MICRO_BATCH_WAIT: '5ms' }).MICRO_BATCH_WAIT, 5);
  });

  it('chooses the batching wait adaptively by default, and takes the rate window or refuses others by name', () => {
    assert.equal(loadConfig({}).MICRO_BATCH_POLICY, 'rate');
    assert.equal(loadConfig({ MICRO_BATCH_POLICY: 'adaptive' }).MICRO_BATCH_POLICY, 'adaptive');
    assert.throws(
      () => loadConfig({ MICRO_BATCH_POLICY: 'greedy' }),
      (err: Error) => err.name === 'ConfigError' && err.message.includes('MICRO_BATCH_POLICY="greedy"'),
    );
  });

  it('refuses a wait the event loop cannot keep or that would stall every request', () => {
    for (const value of ['500ms', '0.5ms', '1s', 'soon']) {
      assert.throws(
        () => loadConfig({ MICRO_BATCH_WAIT: value }),
        (err: Error) => err.name === 'ConfigError' && err.message.includes(`MICRO_BATCH_WAIT="${value}"`),
        value,
      );
    }
  });
});

describe('MLflow settings, checked with the rest at start', () => {
  it('refuses a tracking URI without a scheme in one line naming the variable', () => {
    assert.throws(
      () => loadConfig({ MLFLOW_TRACKING_URI: 'localhost:5000' }),
      (err: Error) =>
        err.name === 'ConfigError' &&
        err.message.includes('MLFLOW_TRACKING_URI="localhost:5000"') &&
        !err.message.includes('\n'),
    );
    assert.equal(
      loadConfig({ MLFLOW_TRACKING_URI: 'http://localhost:5000' }).mlflow.trackingUri,
      'http://localhost:5000',
    );
  });
});
