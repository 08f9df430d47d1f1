import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ArtifactError,
  createMlflow,
  createS3Client,
  downloadModel,
  loadMlflowConfig,
  type MlflowBackend,
  resolveModelUri,
  S3ArtifactRepository,
} from '../src/index.ts';
import {
  fakeOnnxModel,
  type MlflowTestServer,
  startMlflowTestServer,
  startS3Server,
  type TestS3Server,
} from './helpers/index.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('artifacts on S3 (s3rver) and through the proxy', () => {
  let s3: TestS3Server;
  let s3Server: MlflowTestServer;
  let proxyServer: MlflowTestServer;
  let onS3: MlflowBackend;
  let proxied: MlflowBackend;
  let tmp: string;
  const env = () => ({ ...s3.env, MLFLOW_S3_UPLOAD_PART_SIZE_MB: '5', MLFLOW_HTTP_REQUEST_BACKOFF_MS: '10' });

  before(async () => {
    s3 = await startS3Server();
    s3Server = await startMlflowTestServer({ defaultArtifactRoot: `s3://${s3.bucket}/root` });
    proxyServer = await startMlflowTestServer();
    onS3 = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: s3Server.url, ...env() }));
    proxied = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: proxyServer.url, ...env() }));
    tmp = await mkdtemp(path.join(os.tmpdir(), 'mlflow-artifacts-'));
  });
  after(async () => {
    await s3Server.close();
    await proxyServer.close();
    await s3.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('streams a 1,799-byte file to S3 and back byte for byte (no aws-chunked framing stored)', async () => {
    const run = await onS3.createRun({ experimentId: await onS3.getOrCreateExperiment('e') });
    const file = path.join(tmp, 'small.bin');
    const bytes = randomBytes(1799);
    await writeFile(file, bytes);
    await onS3.logArtifact(run.info.runId, file, 'data');
    const local = await onS3.downloadArtifacts(
      { runId: run.info.runId, path: 'data/small.bin' },
      path.join(tmp, 'dl-small'),
    );
    assert.deepEqual(await readFile(local), bytes);
  });

  it('uploads a large artifact in multipart and downloads it intact', async () => {
    const run = await onS3.createRun({ experimentId: await onS3.getOrCreateExperiment('e') });
    const dir = path.join(tmp, 'big');
    await mkdir(path.join(dir, 'nested'), { recursive: true });
    const big = randomBytes(12 * 1024 * 1024 + 123);
    await writeFile(path.join(dir, 'nested', 'big.bin'), big);
    await writeFile(path.join(dir, 'README'), 'hello');
    await onS3.logArtifacts(run.info.runId, dir, 'bundle');
    // The same upload through an instrumented client shows the multipart calls.
    const client = createS3Client(loadMlflowConfig({ ...env() }).s3);
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const repo = new S3ArtifactRepository(`s3://${s3.bucket}/direct`, client, 5 * 1024 * 1024);
    await repo.uploadFile(path.join(dir, 'nested', 'big.bin'), 'big.bin');
    assert.deepEqual(
      commands.filter((c) => c !== 'UploadPartCommand'),
      ['CreateMultipartUploadCommand', 'CompleteMultipartUploadCommand'],
    );
    assert.equal(commands.filter((c) => c === 'UploadPartCommand').length, 3, '12 MB in 5 MB parts');
    const local = await onS3.downloadArtifacts(
      { runId: run.info.runId, path: 'bundle' },
      path.join(tmp, 'dl-big'),
    );
    assert.equal(sha(await readFile(path.join(local, 'nested', 'big.bin'))), sha(big));
    assert.equal(await readFile(path.join(local, 'README'), 'utf8'), 'hello');
  });

  it('streams a large artifact through the mlflow-artifacts proxy', async () => {
    const run = await proxied.createRun({ experimentId: await proxied.getOrCreateExperiment('e') });
    const file = path.join(tmp, 'proxy.bin');
    const bytes = randomBytes(6 * 1024 * 1024 + 7);
    await writeFile(file, bytes);
    await proxied.logArtifact(run.info.runId, file);
    const local = await proxied.downloadArtifacts(
      { runId: run.info.runId, path: 'proxy.bin' },
      path.join(tmp, 'dl-proxy'),
    );
    assert.equal(sha(await readFile(local)), sha(bytes));
  });

  for (const which of ['s3', 'proxy'] as const) {
    it(`${which}: a registered version whose files are missing → ArtifactError, without retrying`, async () => {
      const mlflow = which === 's3' ? onS3 : proxied;
      const server = which === 's3' ? s3Server : proxyServer;
      const name = `ghost-${which}`;
      await mlflow.createRegisteredModel(name);
      const source =
        which === 's3' ? `s3://${s3.bucket}/nowhere/model` : 'mlflow-artifacts:/9/nowhere/artifacts/model';
      await mlflow.createModelVersion(name, source);
      const resolved = await resolveModelUri(mlflow, `models:/${name}/1`);
      const before = server.requests.length;
      await assert.rejects(downloadModel(mlflow, resolved, path.join(tmp, 'cache')), (err) => {
        assert.ok(err instanceof ArtifactError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `model models:/${name}/1 could not be downloaded from ${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
          ),
        );
        return true;
      });
      if (which === 'proxy') {
        const gets = server.requests
          .slice(before)
          .filter((r) => r.path.includes('/nowhere/artifacts/model') && !r.path.endsWith('/artifacts'));
        assert.equal(gets.length, 1, 'the permanent 500 for a missing proxied file is not retried');
      }
    });

    it(`${which}: a model directory without its ONNX file → ArtifactError naming it`, async () => {
      const mlflow = which === 's3' ? onS3 : proxied;
      const run = await mlflow.createRun({ experimentId: await mlflow.getOrCreateExperiment('e') });
      const dir = path.join(tmp, `broken-${which}`);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'MLmodel'), 'flavors:\n  onnx:\n    data: model.onnx\n');
      await mlflow.logArtifacts(run.info.runId, dir, 'model');
      await mlflow.createRegisteredModel(`broken-${which}`);
      await mlflow.createModelVersion(`broken-${which}`, `runs:/${run.info.runId}/model`, run.info.runId);
      const resolved = await resolveModelUri(mlflow, `models:/broken-${which}/1`);
      await assert.rejects(
        downloadModel(mlflow, resolved, path.join(tmp, 'cache')),
        /ONNX file model\.onnx is missing or empty/,
      );
    });
  }

  it('re-downloads a cached version whose files were damaged', async () => {
    const run = await onS3.createRun({ experimentId: await onS3.getOrCreateExperiment('e') });
    const logged = await onS3.logOnnxModel(run.info.runId, 'model', fakeOnnxModel());
    await onS3.createRegisteredModel('healed');
    await onS3.createModelVersion('healed', logged.artifactUri, run.info.runId);
    const resolved = await resolveModelUri(onS3, 'models:/healed/1');
    const cache = path.join(tmp, 'heal-cache');
    const first = await downloadModel(onS3, resolved, cache);
    await rm(first.onnxPath);
    const second = await downloadModel(onS3, resolved, cache);
    assert.equal(second.fromCache, false);
    assert.deepEqual(await readFile(second.onnxPath), Buffer.from(fakeOnnxModel().onnx));
  });
});
