import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

/** The body of every 4xx/5xx answer: a specific message, and the field when one is at fault. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
  reason?: string;
}

/** An error a handler throws to answer with a given status and a message for the client. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, message: string, field?: string, reason?: string): ErrorBody {
  return {
    statusCode,
    error: STATUS_TEXT[statusCode] ?? 'Error',
    message,
    ...(field === undefined ? {} : { field }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** Names for an error message: all of them up to `cap`, then "and N more". */
export function listNames(names: readonly string[], cap = 10): string {
  if (names.length <= cap) return names.join(', ');
  return `${names.slice(0, cap).join(', ')} and ${names.length - cap} more`;
}

/**
 * The media types a route takes: its schema's `consumes` (which also feeds OpenAPI), else JSON,
 * the only body parser every service keeps.
 */
export function acceptedContentTypes(request: FastifyRequest): readonly string[] {
  const consumes = (request.routeOptions.schema as { consumes?: readonly string[] } | undefined)?.consumes;
  return consumes?.length ? consumes : ['application/json'];
}

/**
 * The message for one of Fastify's own 4xx errors. Its 415 says only "Unsupported Media Type":
 * say what arrived and which content types this route takes.
 */
export function clientErrorMessage(err: FastifyError, request: FastifyRequest): string {
  if (err.code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return err.message;
  return unsupportedMediaTypeMessage(
    request.headers['content-type'],
    `${request.method} ${request.url.split('?')[0]}`,
    acceptedContentTypes(request),
  );
}

/** "What arrived, what this route takes", for a 415 (and for its example in /docs). */
export function unsupportedMediaTypeMessage(
  got: string | undefined,
  route: string,
  accepted: readonly string[],
): string {
  const what = got
    ? `Content-Type ${JSON.stringify(got)} is not accepted`
    : 'the request has no Content-Type header';
  return `${what}: ${route} takes ${accepted.join(' or ')} (send -H 'Content-Type: ${accepted[0]}')`;
}

/** One error handler for every service: 4xx say what was wrong and where; 5xx never leak a stack. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HttpError) {
      return reply
        .code(err.statusCode)
        .headers(err.headers)
        .send(errorBody(err.statusCode, err.message, err.field));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0]!;
      const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || undefined;
      const where = err.validationContext ?? 'request';
      const message = `${where}${field ? `.${field}` : ''}: ${first.message}`;
      return reply.code(400).send(errorBody(400, message, field, first.message));
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err }, 'response does not match its schema');
      return reply.code(500).send(errorBody(500, 'internal error'));
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.code(status).send(errorBody(status, 'internal error'));
    }
    // Fastify's own 4xx (bad JSON, body too large, wrong content type) carry a readable message.
    return reply.code(status).send(errorBody(status, clientErrorMessage(err, request)));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
