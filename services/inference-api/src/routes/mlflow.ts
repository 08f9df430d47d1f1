import type { ModelInputRow } from '@covertype/schema';
import { installErrorHandler, type RoutePlugin } from '@covertype/service-kit';
import { z } from 'zod';
import { RETRY_AFTER_NOT_READY } from '../errors.ts';
import { FORMATS, rowsFromCsv, rowsFromMlflowJson } from '../input/mlflow.ts';
import { errorResponses } from '../schemas/errors.ts';
import { InvocationsBody, InvocationsResponse, MlflowError } from '../schemas/mlflow.ts';
import { fastBody, modelFor, plainJson, rowProbabilities } from './common.ts';

const INVOCATION_TYPES = ['application/json', 'text/csv'];

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
export const mlflowRoutes: RoutePlugin<{ maxBatch: number; serverVersion: string }> = async (
  api,
  { maxBatch, serverVersion },
) => {
  const manager = api.models;
  installErrorHandler(api, (e) => mlflowError(e.status, e.message));
  api.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  api.post(
    '/invocations',
    {
      schema: {
        summary: 'MLflow scoring protocol (a drop-in for mlflow models serve clients)',
        tags: ['mlflow'],
        consumes: INVOCATION_TYPES,
        body: InvocationsBody,
        response: {
          200: InvocationsResponse,
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
      for (let i = 0; i < rows.length; i++) probabilities[i] = rowProbabilities(prediction.probabilities, i);
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
};
