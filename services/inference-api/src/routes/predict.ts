import type { ModelInputRow } from '@covertype/schema';
import { errorBody, type RoutePlugin } from '@covertype/service-kit';
import { InvalidFieldError, TooManyRowsError } from '../errors.ts';
import { checkRow, kindOf } from '../input/row.ts';
import { ErrorSchema, errorResponses } from '../schemas/errors.ts';
import {
  BatchBodySchema,
  BatchResponseSchema,
  ModelQuerySchema,
  PredictResponseSchema,
  PredictRowSchema,
} from '../schemas/predict.ts';
import { CLASS_NAMES, className, fastBody, modelFor, plainJson, rowProbabilities } from './common.ts';

const errors = (route: string, messages: { 413?: string } = {}) =>
  errorResponses(ErrorSchema, [400, 404, 413, 415, 503], {
    route,
    body: (status, message, field) => errorBody(status, message, field),
    meanings: { 404: 'The ?model= given names no registered model, alias or version' },
    messages,
  });

/** The workshop's API: one row in, the class and its probabilities out; and the same for many rows. */
export const predictRoutes: RoutePlugin<{ maxBatch: number }> = async (app, { maxBatch }) => {
  const manager = app.models;
  app.post(
    '/predict',
    {
      schema: {
        summary: 'Predict the cover type of one row',
        description:
          'The 10 numeric features are required and range-checked; Wilderness_Area and Soil_Type are optional (missing values are fine, unknown ones are rejected).',
        tags: ['predict'],
        querystring: ModelQuerySchema,
        body: PredictRowSchema,
        response: { 200: PredictResponseSchema, ...errors('POST /predict') },
      },
      validatorCompiler: fastBody((body) => checkRow(body)),
      serializerCompiler: plainJson,
    },
    async (request) => {
      const model = await modelFor(manager, request.query.model);
      const { prediction, index } = await model.predictOne(request.body as ModelInputRow);
      const label = prediction.labels[index]!;
      return {
        model: model.name,
        version: model.version ?? null,
        Cover_Type: label,
        class_name: CLASS_NAMES[label] ?? className(label),
        probabilities: rowProbabilities(prediction.probabilities, index),
      };
    },
  );

  const checkBatch = (body: unknown): ModelInputRow[] => {
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { rows?: unknown }).rows)) {
      throw new InvalidFieldError(
        'body.rows',
        `expected an array of rows, got ${kindOf((body as { rows?: unknown })?.rows ?? body)}`,
      );
    }
    const rows = (body as { rows: unknown[] }).rows;
    if (rows.length === 0) throw new InvalidFieldError('body.rows', 'expected at least one row');
    if (rows.length > maxBatch) throw new TooManyRowsError('body.rows', rows.length, maxBatch, 'batch');
    const out = new Array<ModelInputRow>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = checkRow(rows[i], `body.rows[${i}]`);
    return out;
  };

  app.post(
    '/predict/batch',
    {
      schema: {
        summary: `Predict many rows in one call (up to MAX_BATCH=${maxBatch})`,
        description:
          'Same row rules as /predict. The whole batch is refused if one row is invalid (400 names it).',
        tags: ['predict'],
        querystring: ModelQuerySchema,
        body: BatchBodySchema,
        response: {
          200: BatchResponseSchema,
          ...errors('POST /predict/batch', {
            413: `body.rows: ${maxBatch + 1} rows exceed MAX_BATCH=${maxBatch}; split the batch`,
          }),
        },
      },
      validatorCompiler: fastBody(checkBatch),
      serializerCompiler: plainJson,
    },
    async (request) => {
      const rows = request.body as unknown as ModelInputRow[];
      const model = await modelFor(manager, request.query.model);
      const prediction = await model.predict(rows);
      const predictions = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const label = prediction.labels[i]!;
        predictions[i] = {
          Cover_Type: label,
          class_name: CLASS_NAMES[label] ?? className(label),
          probabilities: rowProbabilities(prediction.probabilities, i),
        };
      }
      return { model: model.name, version: model.version ?? null, predictions };
    },
  );
};
