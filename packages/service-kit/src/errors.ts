import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { isResponseSerializationError } from 'fastify-type-provider-zod';

/** The body of every 4xx/5xx answer: a specific message, and the field when one is at fault. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
  reason?: string;
}

/**
 * What a service's error catalog (built with `@fastify/error`) may add to an error: the field at
 * fault, headers (Retry-After), and `expose` for a 5xx whose message the client should read (a 503
 * "not loaded yet"); a 4xx message is always shown.
 */
export interface ClientErrorFields {
  field?: string | undefined;
  headers?: Record<string, string>;
  expose?: boolean;
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

/** An error as the client sees it, whatever protocol shapes the body. */
export interface ErrorReply {
  status: number;
  message: string;
  field?: string | undefined;
  /** For a validation error: the validator's reason alone. */
  reason?: string | undefined;
  headers: Record<string, string>;
  /** A failure of ours (logged), as opposed to an answer the client caused or may read. */
  internal: boolean;
}

/** A request-validation error as "where.field: reason" (one formatter for every validator). */
export function validationMessage(err: FastifyError): { message: string; field?: string; reason: string } {
  const first = err.validation![0]!;
  const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || undefined;
  const where = err.validationContext ?? 'request';
  const reason = first.message ?? 'invalid';
  return { message: `${where}${field ? `.${field}` : ''}: ${reason}`, ...(field ? { field } : {}), reason };
}

/** The status, message, field and headers an error maps to. */
export function errorReply(err: FastifyError & ClientErrorFields, request: FastifyRequest): ErrorReply {
  if (err.validation?.length) return { status: 400, ...validationMessage(err), headers: {}, internal: false };
  if (isResponseSerializationError(err))
    return { status: 500, message: 'internal error', headers: {}, internal: true };
  const status = err.statusCode ?? 500;
  if (status >= 500 && !err.expose) return { status, message: 'internal error', headers: {}, internal: true };
  return {
    status,
    // Fastify's own 4xx (bad JSON, body too large, wrong content type) carry a readable message.
    message: clientErrorMessage(err, request),
    field: err.field,
    headers: err.headers ?? {},
    internal: false,
  };
}

/** Installs an error handler that answers each error with `body` (every service's, or one protocol's). */
export function installErrorHandler(
  app: FastifyInstance,
  body: (e: ErrorReply) => unknown = (e) => errorBody(e.status, e.message, e.field, e.reason),
): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const e = errorReply(err, request);
    if (e.internal) request.log.error({ err }, 'request failed');
    return reply.code(e.status).headers(e.headers).send(body(e));
  });
}

/** The 404 of an unknown route. */
export function installNotFoundHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
