import { MODEL_OUTPUT_NAMES } from '@covertype/schema';
import { installErrorHandler, type RoutePlugin } from '@covertype/service-kit';
import { ModelLoadingError } from '../errors.ts';
import { checkInfer, type ParsedInfer } from '../input/v2.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { registeredName } from '../model/model-ref.ts';
import { type ErrorStatus, errorResponses } from '../schemas/errors.ts';
import {
  InferRequestSchema,
  InferResponseSchema,
  LiveSchema,
  ModelMetadataSchema,
  ModelReadySchema,
  NameParams,
  NOT_READY,
  ServerMetadataSchema,
  ServerReadySchema,
  V2Error,
  VersionParams,
} from '../schemas/v2.ts';
import { fastBody, modelFor, plainJson } from './common.ts';

const DATATYPES: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  string: 'BYTES',
};

const v2Errors = <K extends ErrorStatus>(route: string, statuses: readonly K[]) =>
  errorResponses(V2Error, statuses, {
    route: route.replace(':name', 'covertype').replace(':version', '3'),
    body: (_status, message) => ({ error: message }),
    meanings: { 404: 'No registered model (or version) by that name' } as Partial<Record<K, string>>,
    messages: { 400: 'inputs[0].shape: numeric must be [N,10], got [1,9]' } as Partial<Record<K, string>>,
  });
/** Open Inference Protocol (KServe V2) REST: a drop-in for Triton / MLServer / KServe clients. */
export const v2Routes: RoutePlugin<{ maxBatch: number; serverVersion: string }> = async (
  api,
  { maxBatch, serverVersion },
) => {
  const manager = api.models;
  const modelByName = async (name: string, version?: string): Promise<LoadedModel> => {
    const current = manager.current;
    const defaultName = current?.name ?? registeredName(manager.uri);
    if (name === defaultName && (version === undefined || version === current?.version))
      return modelFor(manager);
    const model = await modelFor(manager, version === undefined ? name : `${name}/${version}`);
    return model;
  };

  installErrorHandler(api, (e) => ({ error: e.message }));
  const notReady = () => new ModelLoadingError(manager.notReadyMessage());

  api.get(
    '/v2',
    {
      schema: {
        tags: ['v2'],
        summary: 'Server metadata',
        response: {
          200: ServerMetadataSchema,
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
        response: { 200: LiveSchema },
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
          200: ServerReadySchema,
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
            200: ModelReadySchema,
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
};
