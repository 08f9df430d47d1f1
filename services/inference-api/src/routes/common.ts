import { COVER_TYPES, type CoverType } from '@covertype/schema';
import { HttpError } from '@covertype/service-kit';
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import type { LoadedModel } from '../model/loaded-model.ts';
import { type ModelManager, ModelNotReadyError } from '../model/model-manager.ts';

export const RETRY_AFTER_NOT_READY = '5';

/** Class names by Cover_Type, index 0 unused. */
export const CLASS_NAMES: readonly string[] = ['', ...Object.values(COVER_TYPES)];

export function className(label: number): string {
  return COVER_TYPES[label as CoverType] ?? `class ${label}`;
}

/** The model for a request, or a 503 (default not loaded yet) / 404 (unknown model) for the client. */
export async function modelFor(manager: ModelManager, ref?: string): Promise<LoadedModel> {
  try {
    return await manager.get(ref);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof ModelNotReadyError) {
      throw new HttpError(503, err.message, undefined, { 'retry-after': RETRY_AFTER_NOT_READY });
    }
    const status = (err as { status?: number }).status;
    const name = (err as Error).name;
    if (status === 404 || status === 400 || name === 'ModelUriError' || name === 'ModelSourceError') {
      throw new HttpError(404, `model ${JSON.stringify(ref)} not found: ${(err as Error).message}`, 'model');
    }
    throw new HttpError(
      503,
      `model ${JSON.stringify(ref)} cannot be loaded now: ${(err as Error).message}`,
      'model',
      {
        'retry-after': RETRY_AFTER_NOT_READY,
      },
    );
  }
}

/**
 * A route-level validator compiler: the body goes through a hand-written checker (the zod schema
 * still documents it in OpenAPI), other parts through their zod schema. Keeps zod off the hot path.
 */
export function fastBody(check: (body: unknown) => unknown): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') {
      return (data: unknown) => {
        try {
          return { value: check(data) };
        } catch (error) {
          return { error: error as Error };
        }
      };
    }
    return (data: unknown) => {
      // The common case (no ?model=, or a short string) skips zod on the hot path.
      const model = (data as { model?: unknown } | undefined)?.model;
      if (httpPart === 'querystring' && Object.keys(data as object).length <= 1) {
        if (model === undefined || (typeof model === 'string' && model.length <= 300)) return { value: data };
      }
      const result = (schema as z.ZodType).safeParse(data);
      if (result.success) return { value: result.data };
      const issue = result.error.issues[0]!;
      const field = issue.path.join('.');
      return { error: new HttpError(400, `${httpPart}${field ? `.${field}` : ''}: ${issue.message}`, field) };
    };
  };
}

/** Responses of the prediction routes are built by our code; JSON.stringify is enough and fast. */
export const plainJson = () => (data: unknown) => JSON.stringify(data);

/** Float32 probabilities of one row as plain numbers. */
export function rowProbabilities(probabilities: Float32Array, index: number, classes = 7): number[] {
  const out = new Array<number>(classes);
  const base = index * classes;
  for (let c = 0; c < classes; c++) out[c] = probabilities[base + c]!;
  return out;
}
