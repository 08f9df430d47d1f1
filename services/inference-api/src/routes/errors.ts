import { clientErrorMessage, HttpError } from '@covertype/service-kit';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';

export interface ProtocolError {
  status: number;
  message: string;
  headers: Record<string, string>;
}

/** The status, message and headers an error maps to, whatever protocol shapes the body. */
export function classify(err: FastifyError, request: FastifyRequest): ProtocolError {
  if (err instanceof HttpError) return { status: err.statusCode, message: err.message, headers: err.headers };
  const validation = (err as { validation?: { instancePath?: string; message?: string }[] }).validation;
  if (validation?.length) {
    const first = validation[0]!;
    const field = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    return {
      status: 400,
      message: `${err.validationContext ?? 'request'}${field ? `.${field}` : ''}: ${first.message}`,
      headers: {},
    };
  }
  const status = err.statusCode ?? 500;
  if (status >= 500) return { status, message: 'internal error', headers: {} };
  return { status, message: clientErrorMessage(err, request), headers: {} };
}

/** Installs an error handler for one protocol's routes, with that protocol's error body. */
export function protocolErrors(app: FastifyInstance, body: (e: ProtocolError) => unknown): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const e = classify(err, request);
    if (e.status >= 500 && !(err instanceof HttpError)) request.log.error({ err }, 'request failed');
    return reply.code(e.status).headers(e.headers).send(body(e));
  });
}
