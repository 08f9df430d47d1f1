import { z } from 'zod';

export const ReadySchema = z
  .object({ status: z.literal('ready'), model: z.string(), version: z.string().nullable() })
  .meta({ description: 'The default model is loaded and serving' });

export const LoadingSchema = z
  .object({ status: z.literal('loading'), message: z.string() })
  .meta({ description: 'No model loaded yet: the message says what is awaited (Retry-After)' });
