import {
  EXAMPLE_COVER_TYPE,
  EXAMPLE_FEATURES,
  type ModelInputRow,
  NUMERIC_FEATURE_NAMES,
} from '@covertype/schema';
import { HttpError, type ZodApp } from '@covertype/service-kit';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { kindOf } from '../input/row.ts';
import { rowsFromArrays, rowsFromColumns, rowsFromModelTensors, rowsFromRecords } from '../input/tables.ts';
import type { ModelManager } from '../model/model-manager.ts';
import { errorResponses } from '../schemas.ts';
import { fastBody, modelFor, plainJson, RETRY_AFTER_NOT_READY, rowProbabilities } from './common.ts';
import { protocolErrors } from './errors.ts';

const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
const INVOCATION_TYPES = ['application/json', 'text/csv'];
const NUMERIC = new Set<string>(NUMERIC_FEATURE_NAMES);

/** MLflow's rule: exactly one of the four format keys (plus optional params). */
export function rowsFromMlflowJson(body: unknown, maxBatch: number): ModelInputRow[] {
  if (Array.isArray(body)) {
    throw new HttpError(
      400,
      `Invalid input. Expected an object with one of ${FORMATS.join(', ')}. Received a list.`,
    );
  }
  if (typeof body !== 'object' || body === null) {
    throw new HttpError(
      400,
      `Invalid input. Expected a JSON object with one of ${FORMATS.join(', ')}, got ${kindOf(body)}`,
    );
  }
  const keys = FORMATS.filter((k) => k in body);
  if (keys.length !== 1) {
    throw new HttpError(
      400,
      `Invalid input. The body must have exactly one of ${FORMATS.join(', ')}${keys.length ? `; got ${keys.join(' and ')}` : ''} (the protocol changed in MLflow 2.0).`,
    );
  }
  const b = body as Record<string, unknown>;
  switch (keys[0]) {
    case 'dataframe_split': {
      const split = b.dataframe_split as { columns?: unknown; data?: unknown } | null;
      if (typeof split !== 'object' || split === null) {
        throw new HttpError(
          400,
          `dataframe_split: expected {columns, data}, got ${kindOf(split)}`,
          'dataframe_split',
        );
      }
      const columns = split.columns;
      if (
        columns !== undefined &&
        (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string'))
      ) {
        throw new HttpError(
          400,
          'dataframe_split.columns: expected an array of column names',
          'dataframe_split.columns',
        );
      }
      return rowsFromArrays(split.data, columns as string[] | undefined, maxBatch, 'dataframe_split.data');
    }
    case 'dataframe_records':
      return rowsFromRecords(b.dataframe_records, maxBatch, 'dataframe_records');
    case 'instances': {
      const instances = b.instances;
      if (Array.isArray(instances) && instances.length > 0 && !Array.isArray(instances[0])) {
        return rowsFromRecords(instances, maxBatch, 'instances');
      }
      return rowsFromArrays(instances, undefined, maxBatch, 'instances');
    }
    default: {
      const inputs = b.inputs;
      if (Array.isArray(inputs)) return rowsFromArrays(inputs, undefined, maxBatch, 'inputs');
      if (typeof inputs !== 'object' || inputs === null) {
        throw new HttpError(
          400,
          `inputs: expected a list of rows or named tensors, got ${kindOf(inputs)}`,
          'inputs',
        );
      }
      const named = inputs as Record<string, unknown>;
      if ('numeric' in named) {
        return rowsFromModelTensors(
          named.numeric,
          named.Wilderness_Area,
          named.Soil_Type,
          maxBatch,
          'inputs',
        );
      }
      return rowsFromColumns(named, maxBatch, 'inputs');
    }
  }
}

/** A header line with column names, then one row per line (RFC 4180: quoted fields, CRLF, a BOM). */
export function rowsFromCsv(text: string, maxBatch: number): ModelInputRow[] {
  let records: string[][];
  try {
    // Rows of the wrong width reach rowsFromArrays, whose message names the row and the columns.
    records = parse(text, { bom: true, trim: true, relax_column_count: true, skip_empty_lines: true });
  } catch (err) {
    throw new HttpError(400, `CSV body: ${(err as Error).message}`, 'csv');
  }
  const lines = records.filter((r) => !(r.length === 1 && r[0] === ''));
  if (lines.length < 2)
    throw new HttpError(400, 'CSV body: expected a header line and at least one row', 'csv');
  const columns = lines[0]!;
  const data = lines.slice(1).map((line) =>
    line.map((v, i) => {
      const name = columns[i]!;
      if (v === '') return undefined;
      return NUMERIC.has(name) || name === 'Soil_Type' ? (Number.isNaN(Number(v)) ? v : Number(v)) : v;
    }),
  );
  return rowsFromArrays(data, columns, maxBatch, 'csv');
}

const InvocationsBody = z
  .object({
    dataframe_split: z
      .object({
        columns: z.array(z.string()).optional(),
        data: z.array(z.array(z.unknown())),
        index: z.array(z.unknown()).optional(),
      })
      .optional(),
    dataframe_records: z.array(z.record(z.string(), z.unknown())).optional(),
    instances: z.array(z.unknown()).optional(),
    inputs: z.unknown().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({
    description:
      'Exactly one of dataframe_split, dataframe_records, instances, inputs (MLflow 2.x scoring protocol); or text/csv',
    example: {
      dataframe_split: {
        columns: [...NUMERIC_FEATURE_NAMES, 'Wilderness_Area', 'Soil_Type'],
        data: [
          [...NUMERIC_FEATURE_NAMES, 'Wilderness_Area', 'Soil_Type'].map(
            (c) => EXAMPLE_FEATURES[c as keyof typeof EXAMPLE_FEATURES],
          ),
        ],
      },
    },
  });

const MlflowError = z.object({ error_code: z.string(), message: z.string() });

/** MLflow's error body: its error code for the status, and our message. */
function mlflowError(status: number, message: string): z.output<typeof MlflowError> {
  const code =
    status === 400
      ? 'BAD_REQUEST'
      : status === 404
        ? 'RESOURCE_DOES_NOT_EXIST'
        : status === 503
          ? 'TEMPORARILY_UNAVAILABLE'
          : status >= 500
            ? 'INTERNAL_ERROR'
            : 'INVALID_PARAMETER_VALUE';
  return { error_code: code, message };
}

/** MLflow's scoring server (`mlflow models serve`): POST /invocations, GET /ping, /health, /version. */
export function mlflowRoutes(
  app: ZodApp,
  { manager, maxBatch, serverVersion }: { manager: ModelManager; maxBatch: number; serverVersion: string },
): void {
  app.register(async (scope) => {
    const api = scope as unknown as ZodApp;
    protocolErrors(scope, (e) => mlflowError(e.status, e.message));
    scope.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    api.post(
      '/invocations',
      {
        schema: {
          summary: 'MLflow scoring protocol (a drop-in for mlflow models serve clients)',
          tags: ['mlflow'],
          consumes: INVOCATION_TYPES,
          body: InvocationsBody,
          response: {
            200: z
              .object({
                predictions: z.object({
                  label: z.array(z.number().int().min(1).max(7)),
                  probabilities: z.array(z.array(z.number().min(0).max(1))),
                }),
              })
              .meta({
                description: 'The class of each row (1..7) and its 7 class probabilities, in row order',
                example: {
                  predictions: {
                    label: [EXAMPLE_COVER_TYPE],
                    probabilities: [[0.02, 0.09, 0.01, 0, 0.85, 0.02, 0.01]],
                  },
                },
              }),
            ...errorResponses(MlflowError, [400, 413, 415, 503], {
              route: 'POST /invocations',
              consumes: INVOCATION_TYPES,
              body: mlflowError,
              messages: {
                400: `Invalid input. The body must have exactly one of ${FORMATS.join(', ')} (the protocol changed in MLflow 2.0).`,
              },
            }),
          },
        },
        validatorCompiler: fastBody((body) =>
          typeof body === 'string' ? rowsFromCsv(body, maxBatch) : rowsFromMlflowJson(body, maxBatch),
        ),
        serializerCompiler: plainJson,
      },
      async (request) => {
        const rows = request.body as unknown as ModelInputRow[];
        const model = await modelFor(manager);
        const prediction = await model.predict(rows);
        const probabilities = new Array<number[]>(rows.length);
        for (let i = 0; i < rows.length; i++)
          probabilities[i] = rowProbabilities(prediction.probabilities, i);
        return { predictions: { label: Array.from(prediction.labels), probabilities } };
      },
    );

    for (const path of ['/ping', '/health']) {
      api.get(
        path,
        {
          schema: {
            summary: 'MLflow readiness: 200 once the model is loaded',
            tags: ['mlflow'],
            response: {
              200: z
                .string()
                .meta({ description: 'The model is loaded (the body is a newline, as MLflow sends)' }),
              503: MlflowError.meta({ description: 'No model loaded yet (Retry-After)' }),
            },
          },
        },
        async (_request, reply) => {
          if (!manager.current) {
            return reply
              .code(503)
              .header('retry-after', RETRY_AFTER_NOT_READY)
              .send({ error_code: 'TEMPORARILY_UNAVAILABLE', message: manager.notReadyMessage() });
          }
          return reply.type('application/json').send('\n');
        },
      );
    }

    api.get(
      '/version',
      // mlflow models serve answers its own package version; this server is not MLflow, so it answers its own.
      {
        schema: {
          summary: 'version of this server (it is not an MLflow release)',
          tags: ['mlflow'],
          produces: ['text/plain'],
          response: {
            200: z.string().meta({ description: 'The version, as plain text', example: serverVersion }),
          },
        },
      },
      async (_request, reply) => reply.type('text/plain').send(serverVersion),
    );
  });
}
