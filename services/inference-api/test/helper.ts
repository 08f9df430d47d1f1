import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMlflow, loadMlflowConfig, type MlflowBackend } from '@covertype/mlflow';
import { registerOnnxModel, sampleModelOnnx } from '@covertype/sample-model';
import { type CovertypeRow, checkRecord, type ModelInputRow } from '@covertype/schema';
import { readDataRows } from '@covertype/testkit';
import pino from 'pino';
import { type App, buildApp } from '../src/app.ts';
import type { ModelManagerOptions } from '../src/model/model-manager.ts';
import { LocalModelSource } from '../src/model/model-source.ts';

/** The first `limit` valid rows of covertype.csv after skipping `skip`. */
export function loadRows(limit: number, skip = 0): CovertypeRow[] {
  return readDataRows(checkRecord, limit, { skip });
}

/** A small real model (gradient boosting on 3,000 rows) as ONNX bytes, trained once per seed and cached. */
export function trainModel(seed = 0, rounds = 8): Promise<Uint8Array> {
  return sampleModelOnnx(loadRows(3000), { rounds, maxLeaves: 15, seed });
}

export const MLMODEL = `artifact_path: model
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.17.0
    providers: [CPUExecutionProvider]
  python_function:
    data: model.onnx
    loader_module: mlflow.onnx
mlflow_version: 2.22.0
`;

/** Writes an MLflow model folder (MLmodel + model.onnx). */
export async function writeModelDir(dir: string, bytes: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'MLmodel'), MLMODEL);
  await writeFile(path.join(dir, 'model.onnx'), bytes);
  return dir;
}

export async function tempDir(
  prefix = 'inference-test-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const silent = pino({ level: 'silent' });

export interface TestApp {
  app: App;
  modelDir: string;
  close: () => Promise<void>;
}

/** An app serving a local model folder; waits until the model is loaded unless `wait` is false. */
export async function startApp(
  options: {
    bytes?: Uint8Array;
    manager?: Partial<ModelManagerOptions>;
    maxBatch?: number;
    maxInflight?: number;
    bodyLimit?: number;
    wait?: boolean;
  } = {},
): Promise<TestApp> {
  const tmp = await tempDir();
  const modelDir = path.join(tmp.dir, 'covertype');
  await writeModelDir(modelDir, options.bytes ?? (await trainModel()));
  const app = await buildApp({
    model: {
      source: new LocalModelSource(),
      uri: modelDir,
      cacheDir: path.join(tmp.dir, 'cache'),
      logger: silent,
      pollMs: 0,
      retryMaxMs: 200,
      lruSize: 2,
      ...options.manager,
    },
    logger: false,
    maxBatch: options.maxBatch ?? 64,
    maxInflight: options.maxInflight ?? 64,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
  });
  await app.ready();
  if (options.wait !== false) await app.models.ready(10_000);
  return {
    app,
    modelDir,
    close: async () => {
      await app.close();
      await tmp.cleanup();
    },
  };
}

/** The first `limit` valid rows after `skip`, without their label: what the model is given. */
export function modelRows(limit: number, skip = 0): ModelInputRow[] {
  return loadRows(limit, skip).map((row) => bodyOf(row) as unknown as ModelInputRow);
}

/** A valid row as the workshop's clients send it. */
export function bodyOf(row: CovertypeRow): Record<string, unknown> {
  const { Cover_Type: _label, ...features } = row;
  return features;
}

/** Logs the model on a run and registers it as `name` with `alias`, as the trainer does; returns the version. */
export async function registerModel(
  backend: MlflowBackend,
  bytes: Uint8Array,
  {
    name = 'covertype',
    alias = 'champion',
    tags,
  }: { name?: string; alias?: string; tags?: Record<string, string> } = {},
): Promise<string> {
  const version = await registerOnnxModel(backend, bytes, {
    name,
    alias,
    experiment: 'covertype-inference-test',
    ...(tags ? { tags } : {}),
  });
  return version.version;
}

/** A local-directory MLflow registry (MLFLOW_TRACKING_URI=file:…). */
export function localRegistry(dir: string): MlflowBackend {
  return createMlflow(
    loadMlflowConfig({ MLFLOW_TRACKING_URI: `file:${dir}`, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' }),
  );
}
