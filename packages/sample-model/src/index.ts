import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type MlflowBackend, type ModelVersion, writeOnnxModelDir } from '@covertype/mlflow';
import { type CovertypeRow, MODEL_SIGNATURE } from '@covertype/schema';
import { encodeLabels, encodeRows, exportOnnx, fitGradientBoosting } from '@covertype/tree-ensemble';

/** A gradient-boosted ensemble's settings: small enough to train in seconds, real enough to serve. */
export interface SampleModelSpec {
  rounds: number;
  maxLeaves: number;
  learningRate?: number;
  seed: number;
}

// Bump when the learner or the exporter changes what the same rows and spec give.
const CACHE = path.join(tmpdir(), 'covertype-sample-models-v1');

/** Names the model by what makes it: the rows it learns from and the spec. */
function cacheKey(rows: readonly CovertypeRow[], spec: SampleModelSpec): string {
  const hash = createHash('sha256').update(
    JSON.stringify([spec.rounds, spec.maxLeaves, spec.learningRate ?? null, spec.seed]),
  );
  for (const r of rows) hash.update(JSON.stringify(r));
  return hash.digest('hex').slice(0, 16);
}

/** Writes through a temporary name: a concurrent caller sees the whole file or none. */
async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

/**
 * The model trained on `rows`, as ONNX bytes. Trained once per rows and spec, then read from the temp folder, so test files
 * and repeated runs do not pay for training again.
 */
export async function sampleModelOnnx(
  rows: readonly CovertypeRow[],
  spec: SampleModelSpec,
): Promise<Uint8Array> {
  const file = path.join(CACHE, `${cacheKey(rows, spec)}.onnx`);
  if (existsSync(file)) return new Uint8Array(await readFile(file));
  const model = fitGradientBoosting(encodeRows(rows), encodeLabels(rows), {
    rounds: spec.rounds,
    maxLeaves: spec.maxLeaves,
    seed: spec.seed,
    ...(spec.learningRate === undefined ? {} : { learningRate: spec.learningRate }),
  });
  const bytes = exportOnnx(model);
  await writeAtomic(file, bytes);
  // A plain Uint8Array, as a read from the cache gives (the exporter's may be a Buffer).
  return new Uint8Array(bytes);
}

/**
 * The model as an MLflow model folder (MLmodel with the covertype signature + model.onnx) at `dir`, what
 * the inference API serves as a MODEL_URI path. A folder already there is reused.
 */
export async function sampleModelDir(
  dir: string,
  rows: readonly CovertypeRow[],
  spec: SampleModelSpec,
  metadata: Record<string, unknown> = {},
): Promise<string> {
  if (existsSync(path.join(dir, 'MLmodel'))) return dir;
  const onnx = await sampleModelOnnx(rows, spec);
  const tmp = `${dir}.tmp-${process.pid}`;
  await writeOnnxModelDir(tmp, { onnx, signature: MODEL_SIGNATURE, metadata: { ...spec, ...metadata } });
  await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(path.join(dir, 'MLmodel'))) throw err; // another caller won the race: fine
  });
  return dir;
}

/**
 * Logs ONNX bytes on a new run and registers them as a version of `name` (the alias set when given),
 * as the trainer does.
 */
export async function registerOnnxModel(
  mlflow: MlflowBackend,
  onnx: Uint8Array,
  options: {
    name: string;
    experiment?: string;
    runName?: string;
    alias?: string;
    tags?: Record<string, string>;
  },
): Promise<ModelVersion> {
  const experimentId = await mlflow.getOrCreateExperiment(options.experiment ?? `${options.name}-samples`);
  const run = await mlflow.createRun({
    experimentId,
    ...(options.runName ? { runName: options.runName } : {}),
  });
  const logged = await mlflow.logOnnxModel(run.info.runId, 'model', { onnx, signature: MODEL_SIGNATURE });
  await mlflow.setTerminated(run.info.runId);
  await mlflow.createRegisteredModel(options.name);
  const version = await mlflow.createModelVersion(
    options.name,
    logged.artifactUri,
    run.info.runId,
    options.tags ? { tags: options.tags } : undefined,
  );
  if (options.alias) await mlflow.setRegisteredModelAlias(options.name, options.alias, version.version);
  return version;
}
