import { MlflowError, ModelUriError } from '@covertype/mlflow';
import { COVER_TYPES, type CoverType } from '@covertype/schema';
import { zodValidatorCompiler } from '@covertype/service-kit';
import type { FastifySchemaCompiler } from 'fastify';
import {
  InvalidModelRefError,
  ModelLoadingError,
  ModelNotFoundError,
  ModelUnavailableError,
} from '../errors.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { type ModelManager, ModelNotReadyError } from '../model/model-manager.ts';
import { ModelRefError } from '../model/model-ref.ts';
import { ModelSourceError } from '../model/model-source.ts';

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
    if (err instanceof ModelNotReadyError) throw new ModelLoadingError(err.message);
    if (err instanceof ModelRefError) throw new InvalidModelRefError(JSON.stringify(ref));
    const message = (err as Error).message;
    const unknown =
      err instanceof ModelSourceError ||
      err instanceof ModelUriError ||
      (err instanceof MlflowError && (err.status === 404 || err.status === 400));
    if (unknown) throw new ModelNotFoundError(JSON.stringify(ref), message);
    throw new ModelUnavailableError(JSON.stringify(ref), message);
  }
}

/**
 * A route-level validator compiler: the body goes through a hand-written checker (the zod schema
 * still documents it in OpenAPI), other parts through the app's zod compiler. Keeps zod off the hot path.
 */
export function fastBody(check: (body: unknown) => unknown): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart, method, url }) => {
    if (httpPart === 'body') {
      return (data: unknown) => {
        try {
          return { value: check(data) };
        } catch (error) {
          return { error: error as Error };
        }
      };
    }
    const zod = zodValidatorCompiler({ schema, httpPart, method, url } as never);
    return (data: unknown) => {
      // The common case (no ?model=, or a short string) skips zod on the hot path.
      const model = (data as { model?: unknown } | undefined)?.model;
      if (httpPart === 'querystring' && Object.keys(data as object).length <= 1) {
        if (model === undefined || (typeof model === 'string' && model.length <= 300)) return { value: data };
      }
      return zod(data);
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
