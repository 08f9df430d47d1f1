import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ArtifactError } from './errors.ts';
import { onnxRequirements } from './onnx-requirements.ts';
import type { Mlmodel, ModelSignature, OnnxModelInput } from './types.ts';

/** This client, recorded in every MLmodel it writes (`metadata.written_by`): no Python MLflow wrote it. */
export const CLIENT = { name: '@covertype/mlflow', version: '0.1.0' } as const;

/**
 * The oldest MLflow that reads a model directory as this client writes it: 2.16 is the first to read
 * input_example.json in the bare layout written here (older ones expect the `{"inputs": …}` wrapper).
 */
export const MIN_MLFLOW_VERSION = '2.16';

export const MLMODEL_FILE = 'MLmodel';
export const ONNX_FILE = 'model.onnx';

/** MLflow's `utc_time_created`: naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function mlflowUtcTime(date = new Date()): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** Reads and checks `<dir>/MLmodel`. */
export async function readMlmodel(dir: string): Promise<Mlmodel> {
  const file = path.join(dir, MLMODEL_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ArtifactError(`no MLmodel file in ${dir}: is this an MLflow model directory?`, file, err);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (err) {
    throw new ArtifactError(`${file} is not valid YAML: ${(err as Error).message}`, file, err);
  }
  if (!parsed || typeof parsed !== 'object' || typeof (parsed as Mlmodel).flavors !== 'object') {
    throw new ArtifactError(`${file} has no 'flavors' mapping; expected an MLflow MLmodel file`, file);
  }
  return parsed as Mlmodel;
}

/** Writes `<dir>/MLmodel` (atomically enough for a directory that is itself renamed into place). */
export async function writeMlmodel(dir: string, mlmodel: Mlmodel): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, MLMODEL_FILE),
    YAML.stringify(mlmodel, { lineWidth: 0, schema: 'yaml-1.1' }),
  );
}

/** The ONNX file an MLmodel points to (the `onnx` flavor's `data`), checked to exist. */
export async function onnxPathOf(dir: string, mlmodel: Mlmodel): Promise<string> {
  const onnx = mlmodel.flavors.onnx;
  if (!onnx) {
    const found = Object.keys(mlmodel.flavors).join(', ') || 'none';
    throw new ArtifactError(`the model in ${dir} has no 'onnx' flavor (flavors: ${found})`, dir);
  }
  const data = typeof onnx.data === 'string' ? onnx.data : ONNX_FILE;
  const file = path.join(dir, data);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile() || info.size === 0) {
    throw new ArtifactError(`the model's ONNX file ${data} is missing or empty in ${dir}`, file);
  }
  return file;
}

function signatureYaml(signature: ModelSignature): NonNullable<Mlmodel['signature']> {
  return {
    inputs: JSON.stringify(signature.inputs),
    ...(signature.outputs ? { outputs: JSON.stringify(signature.outputs) } : {}),
    params: signature.params ? JSON.stringify(signature.params) : null,
  };
}

export const INPUT_EXAMPLE_FILE = 'input_example.json';
export const SERVING_INPUT_FILE = 'serving_input_example.json';

/**
 * How MLflow >= 2.16 saves an input example (`mlflow.models.utils._Example`): input_example.json holds
 * what `predict` takes — the bare dict of tensors (`type: ndarray`, no `format`), or a DataFrame in
 * `split` orient without the index — and serving_input_example.json the scoring-server request.
 * The older `{"inputs": …}` + `format: tf-serving` layout is read back by 2.16+ as a dict whose only
 * key is `inputs`, which fails schema enforcement.
 */
function inputExampleFiles(example: unknown): {
  json: unknown;
  serving: unknown;
  info: Record<string, unknown>;
} {
  if (
    Array.isArray(example) &&
    example.length > 0 &&
    example.every((r) => r && typeof r === 'object' && !Array.isArray(r))
  ) {
    // Records are a DataFrame's rows: written as pandas writes `to_dict(orient="split")` minus the index.
    const columns = Object.keys(example[0] as object);
    const data = example.map((r) => columns.map((c) => (r as Record<string, unknown>)[c] ?? null));
    const split = { columns, data };
    return {
      json: split,
      serving: { dataframe_split: split },
      info: { type: 'dataframe', pandas_orient: 'split' },
    };
  }
  if (
    Array.isArray(example) ||
    (example && typeof example === 'object' && Object.values(example).every(Array.isArray))
  ) {
    return { json: example, serving: { inputs: example }, info: { type: 'ndarray' } };
  }
  return { json: example, serving: { inputs: example }, info: { type: 'json_object' } };
}

/**
 * The input example of a model directory, as `Model.load_input_example()` returns it (without the
 * numpy/pandas conversion): the data `predict` takes. Reads both the MLflow >= 2.16 layout and the
 * `{"inputs": …}` tf-serving layout older MLflow (and older versions of this client) wrote.
 * undefined when the model has no example.
 */
export async function readInputExample(
  dir: string,
  mlmodel?: Mlmodel,
): Promise<{ data: unknown; params?: Record<string, unknown>; type: string } | undefined> {
  const m = mlmodel ?? (await readMlmodel(dir));
  const info = m.saved_input_example_info;
  if (!info) return undefined;
  const rel = typeof info.artifact_path === 'string' ? info.artifact_path : INPUT_EXAMPLE_FILE;
  const file = path.join(dir, rel);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ArtifactError(`cannot read the input example ${file}: ${(err as Error).message}`, file, err);
  }
  let params: Record<string, unknown> | undefined;
  if (info.params && json && typeof json === 'object' && 'inputs' in json) {
    params = (json as { params?: Record<string, unknown> }).params;
    json = (json as { inputs: unknown }).inputs;
  }
  if (info.format === 'tf-serving' && json && typeof json === 'object' && 'inputs' in json) {
    json = (json as { inputs: unknown }).inputs;
  }
  return { data: json, ...(params ? { params } : {}), type: String(info.type ?? 'json_object') };
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}

/**
 * Writes an MLflow model directory for an ONNX graph — MLmodel with the `onnx` and `python_function`
 * flavors, model.onnx, input example and environment files — as `mlflow.onnx.save_model` would, so
 * Python's `mlflow.pyfunc.load_model` and `mlflow.onnx.load_model` accept it.
 */
export async function writeOnnxModelDir(
  dir: string,
  model: OnnxModelInput,
  where: { runId?: string; artifactPath?: string; mlflowVersion?: string } = {},
): Promise<Mlmodel> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, ONNX_FILE), model.onnx);
  // Lower bounds from what the graph declares (IR version, opsets), never the versions of a machine
  // that did not write it; python and pip stay unpinned for the same reason (MLflow then uses the
  // Python of the environment that restores the model).
  const onnx = onnxRequirements(model.onnx);
  const requirements = model.pipRequirements ?? [
    `mlflow>=${MIN_MLFLOW_VERSION}`,
    onnx.onnx,
    onnx.onnxruntime,
  ];
  await writeFile(path.join(dir, 'requirements.txt'), `${requirements.join('\n')}\n`);
  await writeFile(
    path.join(dir, 'conda.yaml'),
    YAML.stringify(
      {
        channels: ['conda-forge'],
        dependencies: ['python', 'pip', { pip: requirements }],
        name: 'mlflow-env',
      },
      { schema: 'yaml-1.1' },
    ),
  );
  await writeFile(
    path.join(dir, 'python_env.yaml'),
    YAML.stringify(
      {
        build_dependencies: ['pip', 'setuptools', 'wheel'],
        dependencies: ['-r requirements.txt'],
      },
      { schema: 'yaml-1.1' },
    ),
  );
  let exampleInfo: Record<string, unknown> | undefined;
  if (model.inputExample !== undefined) {
    const { json, serving, info } = inputExampleFiles(model.inputExample);
    await writeFile(path.join(dir, INPUT_EXAMPLE_FILE), JSON.stringify(json));
    await writeFile(path.join(dir, SERVING_INPUT_FILE), JSON.stringify(serving, null, 2));
    exampleInfo = {
      artifact_path: INPUT_EXAMPLE_FILE,
      ...info,
      serving_input_path: SERVING_INPUT_FILE,
    };
  }
  for (const [name, contents] of Object.entries(model.extraFiles ?? {})) {
    await writeFile(path.join(dir, name), contents);
  }
  const mlmodel: Mlmodel = {
    ...(where.artifactPath ? { artifact_path: where.artifactPath } : {}),
    // onnx_version and python_version name the writer's packages in Python MLflow; no Python package
    // wrote this model, so they are left out (MLflow reads neither to load it).
    flavors: {
      onnx: {
        code: null,
        data: ONNX_FILE,
        providers: ['CPUExecutionProvider'],
      },
      python_function: {
        data: ONNX_FILE,
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.onnx',
      },
    },
    // The tracking server's MLflow version when known (what the model was logged to), else omitted.
    ...(where.mlflowVersion ? { mlflow_version: where.mlflowVersion } : {}),
    model_size_bytes: await dirSize(dir),
    model_uuid: randomUUID().replaceAll('-', ''),
    ...(where.runId ? { run_id: where.runId } : {}),
    ...(exampleInfo ? { saved_input_example_info: exampleInfo } : {}),
    signature: signatureYaml(model.signature),
    utc_time_created: mlflowUtcTime(),
    metadata: { ...model.metadata, written_by: `${CLIENT.name} ${CLIENT.version}` },
  };
  await writeMlmodel(dir, mlmodel);
  return mlmodel;
}
