// pnpm mlflow:smoke — checks a tracking server (or the local directory store) end to end:
// experiment → run → params/metrics → model directory → registered version → alias → resolve → download.
// Configured by MLflow's own env (MLFLOW_TRACKING_URI, MLFLOW_S3_ENDPOINT_URL, AWS_*), plus
// SMOKE_EXPERIMENT and SMOKE_MODEL_NAME (default covertype-smoke).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadMlflowConfig } from '../config.ts';
import { createMlflow } from '../create.ts';
import { downloadModel } from '../download.ts';
import { resolveModelUri } from '../model-uri.ts';
import { identityOnnxModel } from './identity-onnx.ts';

const step = (label: string, detail: string) => process.stdout.write(`ok  ${label.padEnd(22)} ${detail}\n`);

async function main(): Promise<void> {
  // pnpm runs package scripts in the package folder; relative paths (file:./mlruns, the cache) should
  // mean the folder the user ran `pnpm mlflow:smoke` from.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  const config = loadMlflowConfig();
  const experimentName = process.env.SMOKE_EXPERIMENT || 'covertype-smoke';
  const modelName = process.env.SMOKE_MODEL_NAME || 'covertype-smoke';
  const mlflow = createMlflow(config, {
    onRetry: ({ request, attempt, delayMs, reason }) =>
      process.stderr.write(`..  retry ${attempt} of ${request} in ${Math.round(delayMs)} ms (${reason})\n`),
  });
  step(
    'tracking',
    `${config.trackingUri}${config.s3.endpoint ? ` (S3 endpoint ${config.s3.endpoint})` : ''}`,
  );

  const experimentId = await mlflow.getOrCreateExperiment(experimentName);
  step('experiment', `${experimentName} → id ${experimentId}`);
  const run = await mlflow.createRun({
    experimentId,
    runName: `smoke-${new Date().toISOString()}`,
    tags: { purpose: 'smoke' },
  });
  step('run', `${run.info.runId} → ${run.info.artifactUri}`);
  try {
    await mlflow.logBatch(run.info.runId, {
      params: { model: 'identity', width: 10 },
      metrics: [
        { key: 'accuracy', value: 0.5, step: 0 },
        { key: 'accuracy', value: 0.75, step: 1 },
      ],
    });
    step('params + metrics', 'model=identity width=10 accuracy=0.5→0.75');
    const onnx = identityOnnxModel(10);
    const logged = await mlflow.logOnnxModel(run.info.runId, 'model', {
      onnx,
      signature: {
        inputs: [{ type: 'tensor', name: 'x', 'tensor-spec': { dtype: 'float32', shape: [-1, 10] } }],
        outputs: [{ type: 'tensor', name: 'y', 'tensor-spec': { dtype: 'float32', shape: [-1, 10] } }],
      },
      inputExample: { x: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]] },
    });
    step(
      'model directory',
      `${logged.artifactUri} (${(await mlflow.listArtifacts(run.info.runId, 'model')).length} files)`,
    );
    await mlflow.createRegisteredModel(modelName, { description: 'mlflow:smoke identity model' });
    const version = await mlflow.createModelVersion(modelName, logged.artifactUri, run.info.runId);
    step('registered', `${modelName} version ${version.version} (${version.status})`);
    await mlflow.setRegisteredModelAlias(modelName, 'champion', version.version);
    step('alias', `${modelName}@champion → version ${version.version}`);
    const uri = `models:/${modelName}@champion`;
    const resolved = await resolveModelUri(mlflow, uri);
    step('resolved', `${uri} → ${resolved.artifactUri}`);
    const cacheDir = path.resolve(config.modelCacheDir);
    const model = await downloadModel(mlflow, resolved, cacheDir);
    const bytes = await readFile(model.onnxPath);
    if (!Buffer.from(onnx).equals(bytes))
      throw new Error(`downloaded ${model.onnxPath} differs from the uploaded model`);
    step(
      'downloaded',
      `${model.dir} (${bytes.length} bytes ONNX, flavors ${Object.keys(model.mlmodel.flavors).join(', ')})`,
    );
    await mlflow.setTerminated(run.info.runId, 'FINISHED');
    step('run finished', run.info.runId);
  } catch (err) {
    await mlflow.setTerminated(run.info.runId, 'FAILED').catch(() => undefined);
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`mlflow:smoke failed: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  process.exit(1);
});
