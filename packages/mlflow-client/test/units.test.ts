import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '@covertype/testkit';
import YAML from 'yaml';
import {
  ArtifactError,
  authHeader,
  backoffDelay,
  CLIENT,
  chunkBatch,
  createMlflow,
  defaultTrackingUri,
  loadMlflowConfig,
  MlflowConfigError,
  ModelUriError,
  onnxMetadata,
  onnxPathOf,
  onnxRequirements,
  onnxVersions,
  readInputExample,
  readMlmodel,
  resolveModelUri,
  retryAfterSeconds,
  workspaceRoot,
  writeOnnxModelDir,
} from '../src/index.ts';
import { parseEqualityFilter } from '../src/search.ts';
import { fakeOnnxModel } from './helpers/index.ts';

describe('loadMlflowConfig', () => {
  it('puts the default registry at the workspace root, whichever package folder a command runs in', async () => {
    const expected = `file:${path.join(repoRoot, 'mlruns')}`;
    // pnpm runs `pnpm pipeline` in services/trainer and `pnpm inference-api` in services/inference-api.
    for (const pkg of ['services/trainer', 'services/inference-api', 'packages/mlflow-client', '.']) {
      assert.equal(loadMlflowConfig({}, { cwd: path.join(repoRoot, pkg) }).trackingUri, expected, pkg);
    }
    assert.equal(workspaceRoot(path.join(repoRoot, 'services/trainer/src')), repoRoot);
    // Outside a checkout (an image): the working folder's mlruns.
    const outside = await mkdtemp(path.join(os.tmpdir(), 'no-workspace-'));
    try {
      assert.equal(defaultTrackingUri(outside), `file:${path.join(outside, 'mlruns')}`);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
    // A relative one is taken from where the command was typed (INIT_CWD), else the working folder.
    const typed = { MLFLOW_TRACKING_URI: 'file:./elsewhere', INIT_CWD: '/home/me/project' };
    assert.equal(loadMlflowConfig(typed).trackingUri, 'file:/home/me/project/elsewhere');
    assert.equal(
      loadMlflowConfig({ MLFLOW_TRACKING_URI: 'runs-here' }, { cwd: '/srv' }).trackingUri,
      '/srv/runs-here',
    );
    for (const kept of ['file:/abs/mlruns', 'file:///abs/mlruns', 'http://mlflow:5000', '/abs/mlruns']) {
      assert.equal(loadMlflowConfig({ MLFLOW_TRACKING_URI: kept }).trackingUri, kept);
    }
  });

  it('defaults to the local directory store with MLflow client defaults', () => {
    const c = loadMlflowConfig({});
    assert.equal(c.trackingUri, `file:${path.join(repoRoot, 'mlruns')}`);
    assert.deepEqual([c.timeoutMs, c.maxRetries], [120_000, 5]);
    assert.deepEqual(c.auth, { type: 'none' });
    assert.equal(c.s3.checksums, 'WHEN_SUPPORTED', 'plain AWS keeps the SDK default');
  });
  it('uses WHEN_REQUIRED checksums with a custom S3 endpoint, unless told otherwise', () => {
    assert.equal(
      loadMlflowConfig({ MLFLOW_S3_ENDPOINT_URL: 'http://minio:9000' }).s3.checksums,
      'WHEN_REQUIRED',
    );
    assert.equal(
      loadMlflowConfig({ MLFLOW_S3_ENDPOINT_URL: 'http://minio:9000', MLFLOW_S3_CHECKSUMS: 'WHEN_SUPPORTED' })
        .s3.checksums,
      'WHEN_SUPPORTED',
    );
  });
  it('prefers basic auth over a token, as MLflow does', () => {
    const both = loadMlflowConfig({
      MLFLOW_TRACKING_USERNAME: 'u',
      MLFLOW_TRACKING_PASSWORD: 'p',
      MLFLOW_TRACKING_TOKEN: 't',
    });
    assert.equal(authHeader(both.auth), `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(authHeader(loadMlflowConfig({ MLFLOW_TRACKING_TOKEN: 't' }).auth), 'Bearer t');
  });
  it('falls back to ~/.mlflow/credentials, with the environment winning', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'home-'));
    try {
      await mkdir(path.join(home, '.mlflow'));
      await writeFile(
        path.join(home, '.mlflow', 'credentials'),
        '[other]\nmlflow_tracking_username = nope\n[mlflow]\nmlflow_tracking_username = alice\nmlflow_tracking_password = s3cret\n',
      );
      assert.deepEqual(loadMlflowConfig({ HOME: home }).auth, {
        type: 'basic',
        username: 'alice',
        password: 's3cret',
      });
      assert.deepEqual(
        loadMlflowConfig({ HOME: home, MLFLOW_TRACKING_USERNAME: 'bob', MLFLOW_TRACKING_PASSWORD: 'pw' })
          .auth,
        {
          type: 'basic',
          username: 'bob',
          password: 'pw',
        },
      );
      assert.deepEqual(loadMlflowConfig({ HOME: path.join(home, 'missing') }).auth, { type: 'none' });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
  it('names the variable, the value and what was expected', () => {
    assert.throws(
      () => loadMlflowConfig({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'many' }),
      (err) => err instanceof MlflowConfigError && /MLFLOW_HTTP_REQUEST_MAX_RETRIES="many"/.test(err.message),
    );
    assert.throws(
      () => loadMlflowConfig({ MLFLOW_TRACKING_URI: 'databricks' }),
      /databricks|MLFLOW_TRACKING_URI/,
    );
    assert.throws(
      () => loadMlflowConfig({ MLFLOW_TRACKING_URI: 'postgresql://db/mlflow' }),
      /MLFLOW_TRACKING_URI="postgresql:\/\/db\/mlflow": expected http\(s\):\/\/host:port, file:\.\/dir or a directory path/,
    );
    assert.throws(
      () => loadMlflowConfig({ MLFLOW_S3_ENDPOINT_URL: 'minio:9000' }),
      /MLFLOW_S3_ENDPOINT_URL="minio:9000"/,
    );
  });
});

describe('filters of the local store and the test server', () => {
  it('reads key = value clauses joined by AND and refuses the rest of the grammar', () => {
    assert.deepEqual(parseEqualityFilter(`name='cov' and run_id = "r1"`), [
      { key: 'name', value: 'cov' },
      { key: 'run_id', value: 'r1' },
    ]);
    assert.deepEqual(parseEqualityFilter("attributes.status = 'RUNNING'"), [
      { key: 'status', value: 'RUNNING' },
    ]);
    assert.throws(
      () => parseEqualityFilter("name LIKE 'cov%'"),
      /INVALID_PARAMETER_VALUE: Invalid clause\(s\) in filter string: 'name LIKE 'cov%'' \(only key = 'value' clauses/,
    );
  });
});

describe('backoff and batches', () => {
  it('grows exponentially with jitter and honours Retry-After', () => {
    for (let attempt = 1; attempt <= 4; attempt++) {
      const d = backoffDelay(100, attempt);
      assert.ok(
        d >= 100 * 2 ** (attempt - 1) && d <= 2 * 100 * 2 ** (attempt - 1),
        `attempt ${attempt}: ${d}`,
      );
    }
    assert.equal(backoffDelay(100, 1, 3), 3000);
    assert.equal(backoffDelay(100, 30), 60_000, 'capped');
    assert.equal(retryAfterSeconds('7'), 7);
    assert.equal(retryAfterSeconds('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6);
    assert.equal(retryAfterSeconds('soon'), undefined);
  });
  it('splits into ≤100 metrics, ≤100 params, ≤100 tags per request and maps non-finite values', () => {
    const chunks = chunkBatch({
      metrics: [
        ...Array.from({ length: 205 }, (_, i) => ({ key: 'm', value: i, step: i, timestamp: 1 })),
        { key: 'nan', value: Number.NaN, timestamp: 1 },
      ],
      params: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, i])),
    });
    assert.deepEqual(
      chunks.map((c) => [c.metrics.length, c.params.length, c.tags.length]),
      [
        [100, 100, 0],
        [100, 50, 0],
        [6, 0, 0],
      ],
    );
    assert.equal(chunks[2]?.metrics.at(-1)?.value, 'NaN');
    assert.throws(() => chunkBatch({ params: { '../x': 1 } }), /invalid param key "..\/x"/);
  });
});

describe('MLmodel', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tmp = async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'mlmodel-'));
    dirs.push(d);
    return d;
  };

  it('writes what mlflow.pyfunc / mlflow.onnx expect', async () => {
    const dir = await tmp();
    await writeOnnxModelDir(dir, fakeOnnxModel(), { runId: 'abc', artifactPath: 'model' });
    const text = await readFile(path.join(dir, 'MLmodel'), 'utf8');
    // PyYAML reads YAML 1.1: the timestamp must be quoted or it becomes a datetime.
    assert.match(text, /^utc_time_created: "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"$/m);
    const m = YAML.parse(text);
    assert.equal(m.flavors.python_function.loader_module, 'mlflow.onnx');
    assert.equal(m.flavors.python_function.data, 'model.onnx');
    assert.deepEqual(m.flavors.python_function.env, { conda: 'conda.yaml', virtualenv: 'python_env.yaml' });
    assert.equal(m.flavors.onnx.data, 'model.onnx');
    assert.equal(typeof m.signature.inputs, 'string', 'signature specs are JSON strings inside YAML');
    assert.equal(JSON.parse(m.signature.inputs)[0]['tensor-spec'].dtype, 'float32');
    assert.match(m.model_uuid, /^[0-9a-f]{32}$/);
    // MLflow >= 2.16 layout: the bare dict (no `inputs` wrapper, no `format: tf-serving`), which is
    // what Model.load_input_example() returns and pyfunc predict accepts.
    assert.deepEqual(m.saved_input_example_info, {
      artifact_path: 'input_example.json',
      type: 'ndarray',
      serving_input_path: 'serving_input_example.json',
    });
    assert.deepEqual(
      JSON.parse(await readFile(path.join(dir, 'input_example.json'), 'utf8')),
      fakeOnnxModel().inputExample,
    );
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'serving_input_example.json'), 'utf8')), {
      inputs: fakeOnnxModel().inputExample,
    });
    assert.deepEqual(await readInputExample(dir), {
      data: fakeOnnxModel().inputExample,
      type: 'ndarray',
    });
    // Stand-in bytes are no ModelProto: no bound can be derived, so none is invented.
    assert.equal(
      await readFile(path.join(dir, 'requirements.txt'), 'utf8'),
      'mlflow>=2.16\nonnx\nonnxruntime\n',
    );
    // Nothing claims a version of a writer that did not write it: no Python, onnx or MLflow package did.
    assert.doesNotMatch(text, /2\.22\.0|3\.11\.9|1\.17\.0|python_version|onnx_version/);
    assert.equal(m.mlflow_version, undefined, 'no tracking server to ask');
    assert.equal(m.metadata.written_by, `${CLIENT.name} ${CLIENT.version}`);
    assert.equal(m.metadata.trainer, 'test', "the caller's metadata is kept");
    assert.equal(
      YAML.parse(await readFile(path.join(dir, 'python_env.yaml'), 'utf8')).dependencies[0],
      '-r requirements.txt',
    );
  });

  it('writes records as a split-orient DataFrame example, and its dataframe_split request', async () => {
    const dir = await tmp();
    const rows = [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ];
    const m = await writeOnnxModelDir(dir, { ...fakeOnnxModel(), inputExample: rows });
    assert.deepEqual(m.saved_input_example_info, {
      artifact_path: 'input_example.json',
      type: 'dataframe',
      pandas_orient: 'split',
      serving_input_path: 'serving_input_example.json',
    });
    const split = {
      columns: ['a', 'b'],
      data: [
        [1, 'x'],
        [2, 'y'],
      ],
    };
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'input_example.json'), 'utf8')), split);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'serving_input_example.json'), 'utf8')), {
      dataframe_split: split,
    });
  });

  it('reads the input example of the older tf-serving layout and of MLflow >= 2.16 alike', async () => {
    const dir = await tmp();
    const example = { numeric: [[1, 2]] };
    await writeFile(path.join(dir, 'input_example.json'), JSON.stringify({ inputs: example }));
    const legacy = {
      flavors: {},
      saved_input_example_info: {
        artifact_path: 'input_example.json',
        type: 'ndarray',
        format: 'tf-serving',
      },
    };
    assert.deepEqual(await readInputExample(dir, legacy), { data: example, type: 'ndarray' });
    await writeFile(path.join(dir, 'input_example.json'), JSON.stringify(example));
    const current = {
      flavors: {},
      saved_input_example_info: { artifact_path: 'input_example.json', type: 'ndarray' },
    };
    assert.deepEqual(await readInputExample(dir, current), { data: example, type: 'ndarray' });
    await writeFile(
      path.join(dir, 'input_example.json'),
      JSON.stringify({ inputs: example, params: { k: 1 } }),
    );
    const withParams = {
      flavors: {},
      saved_input_example_info: { artifact_path: 'input_example.json', type: 'ndarray', params: 'true' },
    };
    assert.deepEqual(await readInputExample(dir, withParams), {
      data: example,
      params: { k: 1 },
      type: 'ndarray',
    });
    assert.equal(await readInputExample(dir, { flavors: {} }), undefined);
  });

  it('reads the metadata_props of a graph, and none from bytes that are not one', () => {
    // ModelProto { ir_version: 8, metadata_props: [{ key: 'trees', value: '70' }] }.
    const entry = Buffer.from([0x0a, 5, ...Buffer.from('trees'), 0x12, 2, ...Buffer.from('70')]);
    const graph = Buffer.from([0x08, 8, 0x72, entry.length, ...entry]);
    assert.deepEqual(onnxMetadata(graph), { trees: '70' });
    assert.deepEqual(onnxMetadata(Buffer.from([0x08, 8])), {});
    assert.deepEqual(onnxMetadata(Buffer.from('not an onnx graph')), {});
  });

  it('pins onnx and onnxruntime from the IR version and opsets the graph declares', async () => {
    // ModelProto { ir_version: 8, opset_import: [{'' 17}, {'ai.onnx.ml' 3}] }: what the tree exporter writes.
    const ml = Buffer.from('ai.onnx.ml');
    const graph = Buffer.from([
      0x08,
      8,
      0x42,
      2,
      0x10,
      17,
      0x42,
      ml.length + 4,
      0x0a,
      ml.length,
      ...ml,
      0x10,
      3,
    ]);
    assert.deepEqual(onnxVersions(graph), { irVersion: 8, opsets: { 'ai.onnx': 17, 'ai.onnx.ml': 3 } });
    assert.deepEqual(onnxRequirements(graph), { onnx: 'onnx>=1.12', onnxruntime: 'onnxruntime>=1.12' });
    const dir = await tmp();
    await writeOnnxModelDir(dir, { ...fakeOnnxModel(), onnx: graph }, { mlflowVersion: '2.17.2' });
    assert.equal(
      await readFile(path.join(dir, 'requirements.txt'), 'utf8'),
      'mlflow>=2.16\nonnx>=1.12\nonnxruntime>=1.12\n',
    );
    const conda = YAML.parse(await readFile(path.join(dir, 'conda.yaml'), 'utf8'));
    assert.deepEqual(conda.dependencies.at(-1).pip, ['mlflow>=2.16', 'onnx>=1.12', 'onnxruntime>=1.12']);
    assert.equal((await readMlmodel(dir)).mlflow_version, '2.17.2', "the tracking server's version");
    // IR 10 / opset 21 needs newer releases; a graph newer than the tables gets no guessed bound.
    const newer = Buffer.from([0x08, 10, 0x42, 2, 0x10, 21]);
    assert.deepEqual(onnxRequirements(newer), { onnx: 'onnx>=1.16', onnxruntime: 'onnxruntime>=1.18' });
    assert.deepEqual(onnxRequirements(Buffer.from([0x08, 99, 0x42, 2, 0x10, 99])), {
      onnx: 'onnx',
      onnxruntime: 'onnxruntime',
    });
  });

  it("records this client's own name and version, as its package.json says", async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    assert.deepEqual(CLIENT, { name: pkg.name, version: pkg.version });
  });

  it('reads an MLmodel written by Python mlflow.onnx', async () => {
    const dir = await tmp();
    await writeFile(
      path.join(dir, 'MLmodel'),
      `artifact_path: model
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.17.0
    providers: [CPUExecutionProvider]
  python_function:
    data: model.onnx
    env: {conda: conda.yaml, virtualenv: python_env.yaml}
    loader_module: mlflow.onnx
    python_version: 3.11.9
mlflow_version: 2.22.0
model_size_bytes: 48213
model_uuid: 0f6c7c1de7a94c0b9b0b5c8d7e1a2b3c
run_id: 5d9e1f0a8b7c4d3e2f1a0b9c8d7e6f5a
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 54]}, "name": "X"}]'
  outputs: null
  params: null
utc_time_created: '2025-06-01 12:00:00.000000'
`,
    );
    await writeFile(path.join(dir, 'model.onnx'), 'onnx-bytes');
    const m = await readMlmodel(dir);
    assert.equal(m.run_id, '5d9e1f0a8b7c4d3e2f1a0b9c8d7e6f5a');
    assert.equal(await onnxPathOf(dir, m), path.join(dir, 'model.onnx'));
  });

  it('rejects a model without an onnx flavor, naming the flavors found', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'MLmodel'), 'flavors:\n  sklearn: {pickled_model: model.pkl}\n');
    await assert.rejects(
      onnxPathOf(dir, await readMlmodel(dir)),
      (err) => err instanceof ArtifactError && /no 'onnx' flavor \(flavors: sklearn\)/.test(err.message),
    );
    await assert.rejects(readMlmodel(path.join(dir, 'nowhere')), /no MLmodel file/);
  });
});

describe('resolveModelUri', () => {
  it('passes storage URIs through and rejects malformed model URIs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'uri-'));
    try {
      const mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: `file:${dir}` }));
      const s3 = await resolveModelUri(mlflow, 's3://bucket/models/covertype');
      assert.equal(s3.artifactUri, 's3://bucket/models/covertype');
      assert.equal(s3.immutable, false);
      await assert.rejects(resolveModelUri(mlflow, 'models:/only-a-name'), ModelUriError);
      await assert.rejects(
        resolveModelUri(mlflow, 'models:/m/Prod'),
        /'Prod' is neither a version number, 'latest', nor a stage/,
      );
      await mlflow.createRegisteredModel('m');
      await assert.rejects(
        resolveModelUri(mlflow, 'models:/m/Production'),
        /no version of registered model 'm' is in stage 'Production'/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
