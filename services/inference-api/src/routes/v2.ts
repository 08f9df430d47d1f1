import {
  EXAMPLE_COVER_TYPE,
  EXAMPLE_FEATURES,
  MODEL_INPUT_NAMES,
  MODEL_OUTPUT_NAMES,
  type ModelInputRow,
  NUMERIC_FEATURE_NAMES,
} from '@covertype/schema';
import { HttpError, type ZodApp } from '@covertype/service-kit';
import { z } from 'zod';
import { kindOf } from '../input/row.ts';
import { rowsFromModelTensors } from '../input/tables.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import type { ModelManager } from '../model/model-manager.ts';
import { registeredName } from '../model/model-ref.ts';
import { type ErrorStatus, errorResponses } from '../schemas.ts';
import { fastBody, modelFor, plainJson, RETRY_AFTER_NOT_READY } from './common.ts';
import { protocolErrors } from './errors.ts';

const DATATYPES: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  string: 'BYTES',
};
const ACCEPTED: Record<string, readonly string[]> = {
  [MODEL_INPUT_NAMES.numeric]: ['FP32', 'FP64', 'INT32', 'INT64'],
  [MODEL_INPUT_NAMES.wilderness]: ['BYTES'],
  [MODEL_INPUT_NAMES.soil]: ['INT64', 'INT32'],
};
const OUTPUTS = new Set<string>([MODEL_OUTPUT_NAMES.label, MODEL_OUTPUT_NAMES.probabilities]);

const TensorSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  datatype: z.string(),
  data: z.array(z.unknown()),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
const InferRequestSchema = z
  .object({
    id: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    inputs: z.array(TensorSchema),
    outputs: z.array(z.object({ name: z.string() })).optional(),
  })
  .meta({
    example: {
      id: 'req-1',
      inputs: [
        {
          name: 'numeric',
          shape: [1, 10],
          datatype: 'FP32',
          data: NUMERIC_FEATURE_NAMES.map((name) => EXAMPLE_FEATURES[name]),
        },
        {
          name: 'Wilderness_Area',
          shape: [1, 1],
          datatype: 'BYTES',
          data: [EXAMPLE_FEATURES.Wilderness_Area],
        },
        { name: 'Soil_Type', shape: [1, 1], datatype: 'INT64', data: [EXAMPLE_FEATURES.Soil_Type] },
      ],
    },
  });
const InferResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string().optional(),
    id: z.string().optional(),
    outputs: z.array(
      z.object({
        name: z.string(),
        shape: z.array(z.number().int()),
        datatype: z.string(),
        data: z.array(z.number()),
      }),
    ),
  })
  .meta({
    description: 'label INT64 [N] (classes 1..7) and probabilities FP32 [N,7], flattened row by row',
    example: {
      model_name: 'covertype',
      model_version: '3',
      id: 'req-1',
      outputs: [
        { name: 'label', shape: [1], datatype: 'INT64', data: [EXAMPLE_COVER_TYPE] },
        {
          name: 'probabilities',
          shape: [1, 7],
          datatype: 'FP32',
          data: [0.02, 0.09, 0.01, 0, 0.85, 0.02, 0.01],
        },
      ],
    },
  });
const TensorMeta = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int()).meta({ description: '-1 for a dimension of any size' }),
});
const ModelMetadataSchema = z
  .object({
    name: z.string(),
    versions: z.array(z.string()).optional(),
    platform: z.string(),
    inputs: z.array(TensorMeta),
    outputs: z.array(TensorMeta),
  })
  .meta({ description: "The model's name, version, platform and input and output tensors" });
const V2Error = z.object({ error: z.string().meta({ description: 'What arrived and what was expected' }) });
const v2Errors = <K extends ErrorStatus>(route: string, statuses: readonly K[]) =>
  errorResponses(V2Error, statuses, {
    route: route.replace(':name', 'covertype').replace(':version', '3'),
    body: (_status, message) => ({ error: message }),
    meanings: { 404: 'No registered model (or version) by that name' } as Partial<Record<K, string>>,
    messages: { 400: 'inputs[0].shape: numeric must be [N,10], got [1,9]' } as Partial<Record<K, string>>,
  });
const NOT_READY = 'No model loaded yet (Retry-After)';
// Each route declares exactly the parameters of its path: OpenAPI makes every path parameter required.
const NameParams = z.object({ name: z.string().meta({ description: 'Registered model name' }) });
const VersionParams = NameParams.extend({
  version: z.string().meta({ description: 'Registered model version' }),
});

interface ParsedInfer {
  id?: string | undefined;
  rows: ModelInputRow[];
  outputs?: string[] | undefined;
}

function checkInfer(body: unknown, maxBatch: number): ParsedInfer {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { inputs?: unknown }).inputs)) {
    throw new HttpError(
      400,
      `expected an inference request with an inputs array, got ${kindOf(body)}`,
      'inputs',
    );
  }
  const req = body as { id?: unknown; inputs: unknown[]; outputs?: unknown };
  if (req.id !== undefined && typeof req.id !== 'string')
    throw new HttpError(400, 'id: expected a string', 'id');
  const tensors: Record<string, unknown[]> = {};
  req.inputs.forEach((t, i) => {
    const where = `inputs[${i}]`;
    if (typeof t !== 'object' || t === null)
      throw new HttpError(400, `${where}: expected a tensor object`, where);
    const { name, datatype, shape, data } = t as Record<string, unknown>;
    if (typeof name !== 'string' || !(name in ACCEPTED)) {
      throw new HttpError(
        400,
        `${where}.name: unknown input ${JSON.stringify(name)}; the model takes ${Object.keys(ACCEPTED).join(', ')}`,
        `${where}.name`,
      );
    }
    if (typeof datatype !== 'string' || !ACCEPTED[name]!.includes(datatype)) {
      throw new HttpError(
        400,
        `${where}.datatype: ${name} takes ${ACCEPTED[name]!.join(' or ')}, got ${JSON.stringify(datatype)}`,
        `${where}.datatype`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new HttpError(400, `${where}.shape: expected a list of non-negative integers`, `${where}.shape`);
    }
    if (!Array.isArray(data))
      throw new HttpError(400, `${where}.data: expected an array, got ${kindOf(data)}`, `${where}.data`);
    const flat = data.length > 0 && Array.isArray(data[0]) ? (data.flat(Infinity) as unknown[]) : data;
    const expected = (shape as number[]).reduce((a, b) => a * b, 1);
    if (flat.length !== expected) {
      throw new HttpError(
        400,
        `${where}.data: has ${flat.length} values, shape [${shape.join(',')}] needs ${expected}`,
        `${where}.data`,
      );
    }
    const width = name === MODEL_INPUT_NAMES.numeric ? 10 : 1;
    if ((shape as number[]).at(-1) !== width && !(width === 1 && shape.length === 1)) {
      throw new HttpError(
        400,
        `${where}.shape: ${name} must be [N,${width}], got [${shape.join(',')}]`,
        `${where}.shape`,
      );
    }
    tensors[name] = flat;
  });
  if (!tensors[MODEL_INPUT_NAMES.numeric])
    throw new HttpError(400, 'inputs: the numeric input [N,10] is required', 'inputs');
  let outputs: string[] | undefined;
  if (req.outputs !== undefined) {
    if (!Array.isArray(req.outputs))
      throw new HttpError(400, 'outputs: expected a list of {name}', 'outputs');
    outputs = req.outputs.map((o, i) => {
      const name = (o as { name?: unknown })?.name;
      if (typeof name !== 'string' || !OUTPUTS.has(name)) {
        throw new HttpError(
          400,
          `outputs[${i}].name: unknown output ${JSON.stringify(name)}; the model has label, probabilities`,
          `outputs[${i}].name`,
        );
      }
      return name;
    });
  }
  const rows = rowsFromModelTensors(
    tensors[MODEL_INPUT_NAMES.numeric],
    tensors[MODEL_INPUT_NAMES.wilderness],
    tensors[MODEL_INPUT_NAMES.soil],
    maxBatch,
    'inputs',
  );
  return { id: req.id as string | undefined, rows, outputs };
}

/** Open Inference Protocol (KServe V2) REST: a drop-in for Triton / MLServer / KServe clients. */
export function v2Routes(
  app: ZodApp,
  { manager, maxBatch, serverVersion }: { manager: ModelManager; maxBatch: number; serverVersion: string },
): void {
  const modelByName = async (name: string, version?: string): Promise<LoadedModel> => {
    const current = manager.current;
    const defaultName = current?.name ?? registeredName(manager.uri);
    if (name === defaultName && (version === undefined || version === current?.version))
      return modelFor(manager);
    const model = await modelFor(manager, version === undefined ? name : `${name}/${version}`);
    return model;
  };

  app.register(async (scope) => {
    const api = scope as unknown as ZodApp;
    protocolErrors(scope, (e) => ({ error: e.message }));
    const notReady = () =>
      new HttpError(503, manager.notReadyMessage(), undefined, { 'retry-after': RETRY_AFTER_NOT_READY });

    api.get(
      '/v2',
      {
        schema: {
          tags: ['v2'],
          summary: 'Server metadata',
          response: {
            200: z
              .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
              .meta({ description: 'Server name, version and protocol extensions (none)' }),
          },
        },
      },
      async () => ({
        name: 'covertype-inference-api',
        version: serverVersion,
        extensions: [],
      }),
    );
    api.get(
      '/v2/health/live',
      {
        schema: {
          tags: ['v2'],
          summary: 'Liveness',
          response: { 200: z.object({ live: z.boolean() }).meta({ description: 'The process is up' }) },
        },
      },
      async () => ({ live: true }),
    );
    api.get(
      '/v2/health/ready',
      {
        schema: {
          tags: ['v2'],
          summary: 'Readiness (the default model is loaded)',
          response: {
            200: z.object({ ready: z.boolean() }).meta({ description: 'The default model is loaded' }),
            503: V2Error.meta({ description: NOT_READY }),
          },
        },
      },
      async () => {
        if (!manager.current) throw notReady();
        return { ready: true };
      },
    );

    const metadata = async (request: { params: { name: string; version?: string | undefined } }) => {
      const model = await modelByName(request.params.name, request.params.version);
      return {
        name: request.params.name,
        ...(model.version ? { versions: [model.version] } : {}),
        platform: 'onnxruntime_onnx',
        inputs: model.session.inputs.map((t) => ({
          name: t.name,
          datatype: DATATYPES[t.type] ?? t.type.toUpperCase(),
          shape: t.shape,
        })),
        outputs: model.session.outputs.map((t) => ({
          name: t.name,
          datatype: DATATYPES[t.type] ?? t.type.toUpperCase(),
          shape: t.shape,
        })),
      };
    };
    const ready = async (request: { params: { name: string; version?: string | undefined } }) => {
      await modelByName(request.params.name, request.params.version);
      return { name: request.params.name, ready: true };
    };
    const infer = async (request: {
      params: { name: string; version?: string | undefined };
      body: unknown;
    }) => {
      const parsed = request.body as ParsedInfer;
      const model = await modelByName(request.params.name, request.params.version);
      const prediction = await model.predict(parsed.rows);
      const n = parsed.rows.length;
      const wanted = parsed.outputs ?? [MODEL_OUTPUT_NAMES.label, MODEL_OUTPUT_NAMES.probabilities];
      const outputs = wanted.map((name) =>
        name === MODEL_OUTPUT_NAMES.label
          ? { name, shape: [n], datatype: 'INT64', data: Array.from(prediction.labels) }
          : { name, shape: [n, 7], datatype: 'FP32', data: Array.from(prediction.probabilities) },
      );
      return {
        model_name: request.params.name,
        ...(model.version ? { model_version: model.version } : {}),
        ...(parsed.id !== undefined ? { id: parsed.id } : {}),
        outputs,
      };
    };

    for (const [prefix, params] of [
      ['/v2/models/:name', NameParams],
      ['/v2/models/:name/versions/:version', VersionParams],
    ] as const) {
      api.get(
        prefix,
        {
          schema: {
            tags: ['v2'],
            summary: 'Model metadata',
            params,
            response: { 200: ModelMetadataSchema, ...v2Errors(`GET ${prefix}`, [404, 503]) },
          },
        },
        metadata,
      );
      api.get(
        `${prefix}/ready`,
        {
          schema: {
            tags: ['v2'],
            summary: 'Model readiness',
            params,
            response: {
              200: z
                .object({ name: z.string(), ready: z.boolean() })
                .meta({ description: 'The model is loaded and ready' }),
              ...v2Errors(`GET ${prefix}/ready`, [404, 503]),
            },
          },
        },
        ready,
      );
      api.post(
        `${prefix}/infer`,
        {
          schema: {
            tags: ['v2'],
            summary:
              'Inference: inputs numeric FP32 [N,10], Wilderness_Area BYTES [N,1], Soil_Type INT64 [N,1]',
            params,
            body: InferRequestSchema,
            response: {
              200: InferResponseSchema,
              ...v2Errors(`POST ${prefix}/infer`, [400, 404, 413, 415, 503]),
            },
          },
          validatorCompiler: fastBody((body) => checkInfer(body, maxBatch)),
          serializerCompiler: plainJson,
        },
        infer,
      );
    }
  });
}
