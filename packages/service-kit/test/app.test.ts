import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import createError from '@fastify/error';
import { z } from 'zod';
import { ConfigError, createServiceApp, listNames, parseConfig, type ZodApp } from '../src/index.ts';

class NotLoaded extends createError('TEST_NOT_LOADED', 'model not loaded yet', 503) {
  readonly expose = true;
  readonly headers = { 'retry-after': '1' };
}

describe('createServiceApp', () => {
  let app: ZodApp;
  before(async () => {
    app = await createServiceApp({ title: 't', version: '1', description: 'd', logger: false });
    app.post(
      '/echo',
      {
        schema: {
          body: z.object({ Slope: z.number().max(90) }),
          response: { 200: z.object({ Slope: z.number() }) },
        },
      },
      async (request) => request.body,
    );
    app.post(
      '/csv',
      { schema: { consumes: ['application/json', 'text/csv'], body: z.object({ n: z.number().int() }) } },
      async () => ({ ok: true }),
    );
    app.get(
      '/count',
      { schema: { response: { 200: z.object({ n: z.number().int(), k: z.number().int().min(1).max(7) }) } } },
      async () => ({ n: 1, k: 1 }),
    );
    app.get('/teapot', async () => {
      throw new NotLoaded();
    });
    app.get('/boom', async () => {
      throw new Error('secret internals');
    });
    await app.ready();
  });
  after(() => app.close());

  it('answers a schema violation with 400 naming the field', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { Slope: 120 } });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.field, 'Slope');
    assert.match(body.message, /^body\.Slope: .*90/);
  });

  it('answers a missing field with 400 naming it', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: {} });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().field, 'Slope');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"Slope":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 400);
  });

  it("passes an exposed catalog error's status, message and headers through", async () => {
    const res = await app.inject({ method: 'GET', url: '/teapot' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(res.json().message, 'model not loaded yet');
  });

  it('never leaks internals on a 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(res.statusCode, 500);
    assert.equal(res.body.includes('secret'), false);
  });

  it('serves liveness, docs and the OpenAPI document with the route schemas', async () => {
    assert.equal((await app.inject({ url: '/healthz' })).json().status, 'ok');
    const docs = await app.inject({ url: '/docs' });
    assert.ok([200, 302].includes(docs.statusCode));
    const spec = (await app.inject({ url: '/docs/json' })).json();
    assert.equal(
      spec.paths['/echo'].post.requestBody.content['application/json'].schema.properties.Slope.maximum,
      90,
    );
  });

  it('says which content types a route takes when the Content-Type is missing or wrong', async () => {
    const none = await app.inject({ method: 'POST', url: '/echo?x=1', payload: '{"Slope":1}' });
    assert.equal(none.statusCode, 415);
    assert.equal(
      none.json().message,
      "the request has no Content-Type header: POST /echo takes application/json (send -H 'Content-Type: application/json')",
    );
    const form = await app.inject({
      method: 'POST',
      url: '/csv',
      payload: 'n=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.statusCode, 415);
    assert.match(
      form.json().message,
      /^Content-Type "application\/x-www-form-urlencoded" is not accepted: POST \/csv takes application\/json or text\/csv/,
    );
  });

  it('documents integers with their real bounds only, never ±2^53', async () => {
    const spec = (await app.inject({ url: '/docs/json' })).json();
    const props = spec.paths['/count'].get.responses['200'].content['application/json'].schema.properties;
    assert.deepEqual(props.n, { type: 'integer' });
    assert.equal(props.k.minimum, 1);
    assert.equal(props.k.maximum, 7);
    assert.ok(!JSON.stringify(spec).includes(String(Number.MAX_SAFE_INTEGER)));
    assert.deepEqual(Object.keys(spec.paths['/csv'].post.requestBody.content), [
      'application/json',
      'text/csv',
    ]);
  });

  it('points the bare address to /docs: a redirect for browsers, an index for programs', async () => {
    const browser = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(browser.statusCode, 302);
    assert.equal(browser.headers.location, '/docs');
    const program = await app.inject({ url: '/' });
    assert.equal(program.statusCode, 200);
    assert.equal(program.json().docs, '/docs');
    assert.equal(program.json().openapi, '/docs/json');
    const spec = (await app.inject({ url: '/docs/json' })).json();
    assert.equal(spec.paths['/'], undefined);
  });

  it('names up to ten fields in a message, then how many more', () => {
    assert.equal(listNames(['a', 'b']), 'a, b');
    const twelve = Array.from({ length: 12 }, (_, i) => `f${i}`);
    assert.equal(listNames(twelve), 'f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 2 more');
  });

  it('answers an unknown route with 404 and the route', async () => {
    const res = await app.inject({ url: '/nope?x=1' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().message, 'no route GET /nope');
  });
});

describe('parseConfig', () => {
  const schema = z.object({
    PORT: z.coerce.number().int().min(1).max(65535).default(8000),
    NAME: z.string(),
  });

  it('applies defaults and treats empty strings as unset', () => {
    assert.deepEqual(parseConfig(schema, { NAME: 'x', PORT: '' }), { PORT: 8000, NAME: 'x' });
  });

  it('names every bad variable and what it got in one line', () => {
    assert.throws(
      () => parseConfig(schema, { PORT: 'eighty' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PORT="eighty": /);
        assert.match(err.message, /NAME=\(unset\): /);
        assert.equal(err.message.includes('\n'), false);
        return true;
      },
    );
  });
});
