import createError from '@fastify/error';

/**
 * Every error the inference API answers with (Fastify's own 4xx and the zod query checks aside): a
 * code, a status and a message template. Code below the routes throws these or domain errors
 * (ModelNotReadyError, ModelSourceError), which routes/models-for.ts maps here; service-kit's error
 * handler sends the message, `field` and `headers`.
 */

/** Seconds a client waits before asking again while a model is not loaded. */
export const RETRY_AFTER_NOT_READY = '5';
const RETRY = { 'retry-after': RETRY_AFTER_NOT_READY };

/** The field for the error body: the path without its leading `body.` (`body.rows[1].Slope` → `rows[1].Slope`). */
export function fieldOf(where: string): string {
  return where === 'body' ? where : where.replace(/^body\./, '');
}

/** 400: a field of the request is wrong. `where` names it (`body.rows[1].Slope`), `reason` says why. */
export class InvalidFieldError extends createError<[where: string, reason: string]>(
  'INFERENCE_INVALID_FIELD',
  '%s: %s',
  400,
) {
  readonly field: string | undefined;
  constructor(where: string, reason: string, field: string | undefined = fieldOf(where)) {
    super(where, reason);
    this.field = field;
  }
}

/** 400 in MLflow's own words: the body is not one of the scoring protocol's formats. */
export const InvalidMlflowInputError = createError<[reason: string]>(
  'INFERENCE_INVALID_MLFLOW_INPUT',
  'Invalid input. %s',
  400,
);

/** 413: more rows than MAX_BATCH in one request. */
export class TooManyRowsError extends createError<
  [where: string, rows: number, maxBatch: number, what: string]
>('INFERENCE_TOO_MANY_ROWS', '%s: %d rows exceed MAX_BATCH=%d; split the %s', 413) {
  readonly field: string;
  constructor(where: string, rows: number, maxBatch: number, what = 'request') {
    super(where, rows, maxBatch, what);
    this.field = fieldOf(where);
  }
}

/** 400: `?model=` is not a registered model reference (never a path or a URL). */
export class InvalidModelRefError extends createError<[ref: string]>(
  'INFERENCE_INVALID_MODEL_REF',
  'model %s is not a registered model reference; expected name, name@alias or name/version',
  400,
) {
  readonly field = 'model';
}

/** 404: `?model=` (or a V2 model name) names nothing in the registry. */
export class ModelNotFoundError extends createError<[ref: string, reason: string]>(
  'INFERENCE_MODEL_NOT_FOUND',
  'model %s not found: %s',
  404,
) {
  readonly field = 'model';
}

/** 503: the default model is not loaded yet; the message says what is awaited. */
export class ModelLoadingError extends createError<[message: string]>('INFERENCE_MODEL_LOADING', '%s', 503) {
  readonly expose = true;
  readonly headers = RETRY;
}

/** 503: another model was asked for and cannot be loaded now (registry or artifact store down). */
export class ModelUnavailableError extends createError<[ref: string, reason: string]>(
  'INFERENCE_MODEL_UNAVAILABLE',
  'model %s cannot be loaded now: %s',
  503,
) {
  readonly expose = true;
  readonly field = 'model';
  readonly headers = RETRY;
}
