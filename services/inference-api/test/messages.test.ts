import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXAMPLE_FEATURES, NUMERIC_FEATURES } from '@covertype/schema';
import { startApp, type TestApp } from './helper.ts';

/** What a first-time user meets: the bare address, a half-filled body, a forgotten Content-Type. */
describe('messages a new user reads', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ maxBatch: 8 });
  });
  after(() => t.close());

  it('GET / sends a browser to /docs and tells a program where the docs are', async () => {
    const browser = await t.app.inject({ url: '/', headers: { accept: 'text/html' } });
    assert.equal(browser.statusCode, 302);
    assert.equal(browser.headers.location, '/docs');
    const program = await t.app.inject({ url: '/' });
    assert.equal(program.statusCode, 200);
    assert.equal(program.json().docs, '/docs');
  });

  it('names every missing feature with its range, and the fields that were sent instead', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/predict',
      payload: { Elevation: 2596, aspect: 51, slope: 3 },
    });
    assert.equal(res.statusCode, 400);
    const missing = NUMERIC_FEATURES.slice(1);
    assert.equal(
      res.json().message,
      `body: 9 required fields are missing: ${missing.map((f) => `${f.name} (${f.min}..${f.max})`).join(', ')}; other fields given: "aspect", "slope"`,
    );
    assert.equal(res.json().field, 'Aspect');
  });

  it('names the row and all its missing features in a batch and in /invocations', async () => {
    const { Slope: _s, Hillshade_3pm: _h, ...partial } = EXAMPLE_FEATURES;
    const batch = await t.app.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: { rows: [EXAMPLE_FEATURES, partial] },
    });
    assert.equal(batch.statusCode, 400);
    assert.equal(
      batch.json().message,
      'body.rows[1]: 2 required fields are missing: Slope (0..90), Hillshade_3pm (0..255)',
    );
    const records = await t.app.inject({
      method: 'POST',
      url: '/invocations',
      payload: { dataframe_records: [partial] },
    });
    assert.equal(records.statusCode, 400);
    assert.match(records.json().message, /Slope \(0\.\.90\), Hillshade_3pm \(0\.\.255\)/);
  });

  it('keeps the one-field message when one feature is missing', async () => {
    const { Aspect: _a, ...row } = EXAMPLE_FEATURES;
    const res = await t.app.inject({ method: 'POST', url: '/predict', payload: row });
    assert.equal(res.json().message, 'body.Aspect: missing field (a number 0..360)');
  });

  it('says which content types each route accepts when Content-Type is missing or wrong', async () => {
    const none = await t.app.inject({
      method: 'POST',
      url: '/predict',
      payload: JSON.stringify(EXAMPLE_FEATURES),
    });
    assert.equal(none.statusCode, 415);
    assert.equal(
      none.json().message,
      "the request has no Content-Type header: POST /predict takes application/json (send -H 'Content-Type: application/json')",
    );
    const text = await t.app.inject({
      method: 'POST',
      url: '/invocations',
      payload: 'Elevation\n2596',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(
      text.json().message,
      /^Content-Type "text\/plain" is not accepted: POST \/invocations takes application\/json or text\/csv/,
    );
    const v2 = await t.app.inject({ method: 'POST', url: '/v2/models/covertype/infer', payload: '{}' });
    assert.equal(v2.statusCode, 415);
    assert.match(
      v2.json().error,
      /no Content-Type header: POST \/v2\/models\/covertype\/infer takes application\/json/,
    );
  });
});
