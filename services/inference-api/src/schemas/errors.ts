import { unsupportedMediaTypeMessage } from '@covertype/service-kit';
import { z } from 'zod';

export const ErrorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string().meta({ description: 'What arrived and what was expected' }),
  field: z.string().optional().meta({ description: 'The field at fault, when one is' }),
});

/** What each error status means on the routes that serve predictions, and a message it can carry. */
const ERRORS = {
  400: {
    meaning: 'Invalid input: the message names each field at fault and why',
    message: 'body.Aspect: missing field (a number 0..360)',
    field: 'Aspect',
  },
  404: {
    meaning: 'No registered model matches the name, alias or version asked for',
    message: 'model "covertype/99" not found: the registry has no version 99 of covertype',
    field: 'model',
  },
  413: {
    meaning: 'The body is larger than BODY_LIMIT (or a batch has more rows than MAX_BATCH)',
    message: 'Request body is too large',
  },
  415: { meaning: 'Content-Type missing or not accepted: the message lists the accepted types' },
  503: {
    meaning: 'The model is not loaded yet or cannot be loaded now; retry after Retry-After seconds',
    message: 'model models:/covertype@champion is not loaded yet; retry shortly',
  },
} as const satisfies Record<number, { meaning: string; message?: string; field?: string }>;
export type ErrorStatus = keyof typeof ERRORS;

export interface ErrorDocs<K extends ErrorStatus> {
  /** The route as a client writes it, e.g. "POST /predict" (for the 415 example). */
  route: string;
  /** Content types the route takes (its schema's consumes). */
  consumes?: readonly string[];
  /** The error body of this protocol for a status and message. */
  body: (status: K, message: string, field?: string) => unknown;
  meanings?: Partial<Record<K, string>>;
  messages?: Partial<Record<K, string>>;
}

/** Response schemas for the given error statuses, each with its meaning and an example for /docs. */
export function errorResponses<S extends z.ZodType, K extends ErrorStatus>(
  schema: S,
  statuses: readonly K[],
  docs: ErrorDocs<K>,
): Record<K, S> {
  const out = {} as Record<K, S>;
  for (const status of statuses) {
    const spec: { meaning: string; message?: string; field?: string } = ERRORS[status];
    const message =
      docs.messages?.[status] ??
      spec.message ??
      unsupportedMediaTypeMessage(undefined, docs.route, docs.consumes ?? ['application/json']);
    out[status] = schema.meta({
      description: docs.meanings?.[status] ?? spec.meaning,
      example: docs.body(status, message, docs.messages?.[status] ? undefined : spec.field),
    }) as S;
  }
  return out;
}
