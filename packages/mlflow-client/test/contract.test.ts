// The test server must not be friendlier than MLflow: each row is a behaviour of MLflow 2.x's REST API
// (https://mlflow.org/docs/latest/rest-api.html and the server's observed answers; the label's § numbers
// group them: 1 wire, 2 errors, 4 tracking, 5 artifacts, 6 registry), replayed over plain HTTP.
import assert from 'node:assert/strict';
import { type IncomingMessage, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type MlflowTestServer, startMlflowTestServer } from './helpers/index.ts';

interface Call {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  /** An object is sent as JSON with Content-Type application/json; a string is sent as is. */
  body?: unknown;
  contentType?: string | null;
}
interface Answer {
  status: number;
  json?: Record<string, unknown>;
  text: string;
  type: string;
}

let server: MlflowTestServer;
let runId = '';

/** Plain node:http, so paths reach the server verbatim (fetch would normalise %2E%2E away). */
async function call(c: Call): Promise<Answer> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(c.query ?? {})) for (const x of [v].flat()) qs.append(k, x);
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (c.body !== undefined) {
    body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
    const type = c.contentType === undefined ? 'application/json' : c.contentType;
    if (type) headers['content-type'] = type;
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const target = `${c.path}${qs.size ? `?${qs}` : ''}`;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    const req = request({ hostname, port, path: target, method: c.method, headers }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  let text = '';
  for await (const chunk of res) text += chunk;
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode ?? 0, json, text, type: String(res.headers['content-type'] ?? '') };
}

const api = (p: string) => `/api/2.0/mlflow/${p}`;
const j = (a: Answer): Record<string, unknown> => a.json ?? {};

interface Row {
  doc: string;
  call: () => Call;
  status: number;
  code?: string;
  check?: (a: Answer) => void;
}

const ROWS: Row[] = [
  {
    doc: '§1 GET /health answers OK',
    call: () => ({ method: 'GET', path: '/health' }),
    status: 200,
    check: (a) => assert.equal(a.text, 'OK'),
  },
  {
    doc: '§1 POST without Content-Type → 400 INVALID_PARAMETER_VALUE',
    call: () => ({ method: 'POST', path: api('experiments/create'), body: { name: 'x' }, contentType: null }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§1 POST with text/plain → 400',
    call: () => ({
      method: 'POST',
      path: api('experiments/create'),
      body: '{"name":"x"}',
      contentType: 'text/plain',
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§1 Content-Type with charset is fine',
    call: () => ({
      method: 'POST',
      path: api('experiments/create'),
      body: { name: 'charset' },
      contentType: 'application/json; charset=utf-8',
    }),
    status: 200,
  },
  {
    doc: '§1 invalid JSON reads as {} → missing parameter',
    call: () => ({ method: 'POST', path: api('experiments/create'), body: '{nope' }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
    check: (a) => assert.match(String(j(a).message), /Missing value for required parameter 'name'/),
  },
  {
    doc: '§1 wrong verb → 405 HTML',
    call: () => ({ method: 'GET', path: api('runs/search') }),
    status: 405,
    check: (a) => assert.match(a.type, /text\/html/),
  },
  {
    doc: '§1 registered-models/search is GET only',
    call: () => ({ method: 'POST', path: api('registered-models/search'), body: {} }),
    status: 405,
  },
  {
    doc: '§1 model-versions/search is GET only',
    call: () => ({ method: 'POST', path: api('model-versions/search'), body: {} }),
    status: 405,
  },
  {
    doc: '§1 unknown route → 404 HTML',
    call: () => ({ method: 'GET', path: api('nope') }),
    status: 404,
    check: (a) => assert.equal(a.json, undefined),
  },
  {
    doc: '§4 the path is log-parameter; log-param → 404',
    call: () => ({ method: 'POST', path: api('runs/log-param'), body: {} }),
    status: 404,
  },
  {
    doc: '§2 experiment name taken → 400 RESOURCE_ALREADY_EXISTS',
    call: () => ({ method: 'POST', path: api('experiments/create'), body: { name: 'contract' } }),
    status: 400,
    code: 'RESOURCE_ALREADY_EXISTS',
  },
  {
    doc: '§2 get-by-name miss → 404 RESOURCE_DOES_NOT_EXIST',
    call: () => ({
      method: 'GET',
      path: api('experiments/get-by-name'),
      query: { experiment_name: 'absent' },
    }),
    status: 404,
    code: 'RESOURCE_DOES_NOT_EXIST',
  },
  {
    doc: '§1 experiment_id may be a JSON number',
    call: () => ({ method: 'POST', path: api('runs/create'), body: { experiment_id: 1, start_time: 5 } }),
    status: 200,
    check: (a) => assert.equal((j(a).run as { info: { experiment_id: string } }).info.experiment_id, '1'),
  },
  {
    doc: '§4 runs/create without experiment_id → 400 BAD_REQUEST',
    call: () => ({ method: 'POST', path: api('runs/create'), body: {} }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    doc: '§4 runs/create: start_time defaults to 0; RunInfo has run_id = run_uuid, user_id ""; no inputs',
    call: () => ({ method: 'POST', path: api('runs/create'), body: { experiment_id: '1' } }),
    status: 200,
    check: (a) => {
      const run = a.json?.run as { info: Record<string, unknown>; inputs?: unknown };
      assert.equal(run.info.start_time, 0);
      assert.equal(run.info.run_uuid, run.info.run_id);
      assert.equal(run.info.user_id, '');
      assert.equal(run.info.status, 'RUNNING');
      assert.equal(run.inputs, undefined);
    },
  },
  {
    doc: '§4 runs/get carries inputs {}',
    call: () => ({ method: 'GET', path: api('runs/get'), query: { run_id: runId } }),
    status: 200,
    check: (a) => assert.deepEqual((j(a).run as { inputs: unknown }).inputs, {}),
  },
  {
    doc: '§1 lower-case enum is dropped silently (status unchanged)',
    call: () => ({ method: 'POST', path: api('runs/update'), body: { run_id: runId, status: 'finished' } }),
    status: 200,
    check: (a) => assert.equal((j(a).run_info as { status: string }).status, 'RUNNING'),
  },
  {
    doc: '§1 ...and so is every key after it',
    call: () => ({ method: 'POST', path: api('runs/update'), body: { status: 'killed', run_id: runId } }),
    status: 404,
    code: 'RESOURCE_DOES_NOT_EXIST',
  },
  {
    doc: '§4 metric value null (JSON NaN) → 400',
    call: () => ({
      method: 'POST',
      path: api('runs/log-batch'),
      body: { run_id: runId, metrics: [{ key: 'm', value: null, timestamp: 1 }] },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§4 metric timestamp is required',
    call: () => ({
      method: 'POST',
      path: api('runs/log-batch'),
      body: { run_id: runId, metrics: [{ key: 'm', value: 1 }] },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§4 "NaN" / "Infinity" strings are accepted',
    call: () => ({
      method: 'POST',
      path: api('runs/log-batch'),
      body: {
        run_id: runId,
        metrics: [
          { key: 'nan', value: 'NaN', timestamp: 1 },
          { key: 'inf', value: 'Infinity', timestamp: 1 },
        ],
      },
    }),
    status: 200,
  },
  {
    doc: '§4 NaN comes back as "NaN", Infinity as DBL_MAX',
    call: () => ({ method: 'GET', path: api('runs/get'), query: { run_id: runId } }),
    status: 200,
    check: (a) => {
      const metrics = (j(a).run as { data: { metrics: { key: string; value: unknown }[] } }).data.metrics;
      assert.equal(metrics.find((m) => m.key === 'nan')?.value, 'NaN');
      assert.equal(metrics.find((m) => m.key === 'inf')?.value, 1.7976931348623157e308);
    },
  },
  {
    doc: '§4 >100 params per log-batch → 400',
    call: () => ({
      method: 'POST',
      path: api('runs/log-batch'),
      body: { run_id: runId, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })) },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§4 same param key twice in one request → 400',
    call: () => ({
      method: 'POST',
      path: api('runs/log-batch'),
      body: {
        run_id: runId,
        params: [
          { key: 'a', value: '1' },
          { key: 'a', value: '1' },
        ],
      },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§4 bad metric key → 400',
    call: () => ({
      method: 'POST',
      path: api('runs/log-batch'),
      body: { run_id: runId, metrics: [{ key: '../x', value: 1, timestamp: 1 }] },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§4 a bad page token → 400',
    call: () => ({
      method: 'POST',
      path: api('runs/search'),
      body: { experiment_ids: ['1'], page_token: 'garbage' },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§4 filter with OR → 400',
    call: () => ({
      method: 'POST',
      path: api('runs/search'),
      body: { experiment_ids: ['1'], filter: "params.a = '1' or params.b = '2'" },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§1 empty result omits the list',
    call: () => ({ method: 'POST', path: api('runs/search'), body: { experiment_ids: ['999'] } }),
    status: 200,
    check: (a) => assert.deepEqual(a.json, {}),
  },
  {
    doc: '§6 registered-models/create',
    call: () => ({ method: 'POST', path: api('registered-models/create'), body: { name: 'cov' } }),
    status: 200,
    check: (a) => assert.equal((j(a).registered_model as { name: string }).name, 'cov'),
  },
  {
    doc: '§2 registered model taken → 400 RESOURCE_ALREADY_EXISTS',
    call: () => ({ method: 'POST', path: api('registered-models/create'), body: { name: 'cov' } }),
    status: 400,
    code: 'RESOURCE_ALREADY_EXISTS',
  },
  {
    doc: '§6 model-versions/create: version is a string, empty strings are sent, READY',
    call: () => ({
      method: 'POST',
      path: api('model-versions/create'),
      body: { name: 'cov', source: 's3://b/1/r/artifacts/model' },
    }),
    status: 200,
    check: (a) => {
      const mv = a.json?.model_version as Record<string, unknown>;
      assert.equal(mv.version, '1');
      assert.equal(mv.run_id, '');
      assert.equal(mv.run_link, '');
      assert.equal(mv.description, '');
      assert.equal(mv.status, 'READY');
      assert.equal(mv.current_stage, 'None');
    },
  },
  {
    doc: '§6 get-download-uri returns the source verbatim',
    call: () => ({
      method: 'GET',
      path: api('model-versions/get-download-uri'),
      query: { name: 'cov', version: '1' },
    }),
    status: 200,
    check: (a) => assert.deepEqual(a.json, { artifact_uri: 's3://b/1/r/artifacts/model' }),
  },
  {
    doc: '§1 version as a JSON number → 400',
    call: () => ({
      method: 'POST',
      path: api('registered-models/alias'),
      body: { name: 'cov', alias: 'champion', version: 1 },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
    check: (a) => assert.match(String(j(a).message), /Value was of type 'int'/),
  },
  {
    doc: '§6 alias on a missing version → 404',
    call: () => ({
      method: 'POST',
      path: api('registered-models/alias'),
      body: { name: 'cov', alias: 'champion', version: '7' },
    }),
    status: 404,
    code: 'RESOURCE_DOES_NOT_EXIST',
  },
  {
    doc: '§4 alias named latest → 400',
    call: () => ({
      method: 'POST',
      path: api('registered-models/alias'),
      body: { name: 'cov', alias: 'latest', version: '1' },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§6 set alias',
    call: () => ({
      method: 'POST',
      path: api('registered-models/alias'),
      body: { name: 'cov', alias: 'champion', version: '1' },
    }),
    status: 200,
    check: (a) => assert.deepEqual(a.json, {}),
  },
  {
    doc: '§6 get alias carries aliases',
    call: () => ({
      method: 'GET',
      path: api('registered-models/alias'),
      query: { name: 'cov', alias: 'champion' },
    }),
    status: 200,
    check: (a) => assert.deepEqual((j(a).model_version as { aliases: string[] }).aliases, ['champion']),
  },
  {
    doc: '§2 alias miss → 400 INVALID_PARAMETER_VALUE',
    call: () => ({
      method: 'GET',
      path: api('registered-models/alias'),
      query: { name: 'cov', alias: 'nope' },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§2 alias miss on a missing model → 400 too',
    call: () => ({
      method: 'GET',
      path: api('registered-models/alias'),
      query: { name: 'nomodel', alias: 'x' },
    }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§6 registered model lists aliases',
    call: () => ({ method: 'GET', path: api('registered-models/get'), query: { name: 'cov' } }),
    status: 200,
    check: (a) =>
      assert.deepEqual((j(a).registered_model as { aliases: unknown }).aliases, [
        { alias: 'champion', version: '1' },
      ]),
  },
  {
    doc: '§6 stage names are case-insensitive, canonical in answers',
    call: () => ({
      method: 'POST',
      path: api('model-versions/transition-stage'),
      body: { name: 'cov', version: '1', stage: 'production', archive_existing_versions: false },
    }),
    status: 200,
    check: (a) => assert.equal((j(a).model_version as { current_stage: string }).current_stage, 'Production'),
  },
  {
    doc: '§2 archive_existing_versions with Archived → permanent 500',
    call: () => ({
      method: 'POST',
      path: api('model-versions/transition-stage'),
      body: { name: 'cov', version: '1', stage: 'Archived', archive_existing_versions: true },
    }),
    status: 500,
    code: 'INTERNAL_ERROR',
  },
  {
    doc: '§6 get-latest-versions one per stage',
    call: () => ({
      method: 'POST',
      path: api('registered-models/get-latest-versions'),
      body: { name: 'cov', stages: ['Production'] },
    }),
    status: 200,
    check: (a) => assert.equal((j(a).model_versions as unknown[]).length, 1),
  },
  {
    doc: '§6 registered-models/search over 1000 → 400',
    call: () => ({ method: 'GET', path: api('registered-models/search'), query: { max_results: '1001' } }),
    status: 400,
    code: 'INVALID_PARAMETER_VALUE',
  },
  {
    doc: '§6 model-versions/search with a filter',
    call: () => ({ method: 'GET', path: api('model-versions/search'), query: { filter: "name='cov'" } }),
    status: 200,
    check: (a) => assert.equal((j(a).model_versions as unknown[]).length, 1),
  },
  {
    doc: '§5 proxied PUT → {}',
    call: () => ({
      method: 'PUT',
      path: '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/model/MLmodel',
      body: 'flavors: {}\n',
      contentType: null,
    }),
    status: 200,
    check: (a) => assert.deepEqual(a.json, {}),
  },
  {
    doc: '§5 proxied list gives basenames',
    call: () => ({
      method: 'GET',
      path: '/api/2.0/mlflow-artifacts/artifacts',
      query: { path: '1/r/artifacts/model' },
    }),
    status: 200,
    check: (a) => assert.deepEqual(a.json, { files: [{ path: 'MLmodel', is_dir: false, file_size: 12 }] }),
  },
  {
    doc: '§5 proxied list of a missing dir → {}',
    call: () => ({ method: 'GET', path: '/api/2.0/mlflow-artifacts/artifacts', query: { path: '1/none' } }),
    status: 200,
    check: (a) => assert.deepEqual(a.json, {}),
  },
  {
    doc: '§5 proxied GET of a file: MLmodel as text/plain',
    call: () => ({ method: 'GET', path: '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/model/MLmodel' }),
    status: 200,
    check: (a) => assert.match(a.type, /text\/plain/),
  },
  {
    doc: '§5 proxied GET of a missing file → 500 INTERNAL_ERROR',
    call: () => ({ method: 'GET', path: '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/none' }),
    status: 500,
    code: 'INTERNAL_ERROR',
  },
  {
    doc: '§5 .. segments → 400',
    call: () => ({
      method: 'PUT',
      path: '/api/2.0/mlflow-artifacts/artifacts/1/%2E%2E/x',
      body: 'x',
      contentType: null,
    }),
    status: 400,
  },
  {
    doc: '§5 proxied PUT into a run',
    call: () => ({
      method: 'PUT',
      path: `/api/2.0/mlflow-artifacts/artifacts/1/${runId}/artifacts/model/MLmodel`,
      body: 'flavors: {}\n',
      contentType: null,
    }),
    status: 200,
  },
  {
    doc: '§5 runs-scoped artifacts/list gives paths relative to the run root',
    call: () => ({ method: 'GET', path: api('artifacts/list'), query: { run_id: runId, path: 'model' } }),
    status: 200,
    check: (a) => {
      assert.match(String(j(a).root_uri), /^mlflow-artifacts:\/1\/\w+\/artifacts$/);
      assert.deepEqual(j(a).files, [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
    },
  },
  {
    doc: '§5 multipart on a local destination → 501',
    call: () => ({ method: 'POST', path: '/api/2.0/mlflow-artifacts/mpu/create/1/big', body: {} }),
    status: 501,
    code: 'NOT_IMPLEMENTED',
  },
];

describe('test server agrees with the MLflow reference', () => {
  before(async () => {
    server = await startMlflowTestServer();
    await call({ method: 'POST', path: api('experiments/create'), body: { name: 'contract' } });
    const created = await call({
      method: 'POST',
      path: api('runs/create'),
      body: { experiment_id: '1', start_time: 1 },
    });
    runId = (j(created).run as { info: { run_id: string } }).info.run_id;
  });
  after(() => server.close());

  for (const row of ROWS) {
    it(row.doc, async () => {
      const answer = await call(row.call());
      assert.equal(answer.status, row.status, `${answer.status} ${answer.text.slice(0, 200)}`);
      if (row.code) assert.equal(answer.json?.error_code, row.code, answer.text.slice(0, 200));
      row.check?.(answer);
    });
  }

  it('§4 pages runs with base64 {"offset": N} tokens and no token on the last page', async () => {
    for (let i = 0; i < 4; i++)
      await call({
        method: 'POST',
        path: api('runs/create'),
        body: { experiment_id: '1', start_time: 10 + i },
      });
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await call({
        method: 'POST',
        path: api('runs/search'),
        body: { experiment_ids: ['1'], max_results: 3, page_token: token },
      });
      sizes.push((j(page).runs as unknown[]).length);
      token = j(page).next_page_token as string | undefined;
      if (token)
        assert.deepEqual(JSON.parse(Buffer.from(token, 'base64').toString()), { offset: sizes.length * 3 });
    } while (token);
    assert.deepEqual(sizes, [3, 3, 1], '7 runs: the last page has no next_page_token');
  });
});
