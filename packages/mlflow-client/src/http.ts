import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import pRetry, { AbortError } from 'p-retry';
import type { z } from 'zod';
import type { MlflowAuth } from './config.ts';
import { MlflowConnectionError, MlflowError } from './errors.ts';

export interface HttpOptions {
  baseUrl: string;
  auth: MlflowAuth;
  timeoutMs: number;
  /** TLS towards the tracking server: skip verification, or trust an extra CA bundle. */
  tls?: { insecure: boolean; caPath?: string };
  maxRetries: number;
  backoffMs: number;
  /** Called before each retry (logging); attempt counts from 1. */
  onRetry?: (info: { request: string; attempt: number; delayMs: number; reason: string }) => void;
}

export interface RawRequest {
  method: Method;
  /** Path below the base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | boolean | readonly (string | number)[] | undefined>;
  /** A factory, so a retry can send a fresh stream. */
  body?: () => unknown;
  headers?: Record<string, string>;
  responseType?: 'json' | 'stream' | 'arraybuffer' | 'text';
  /** A 500 that is known to be permanent for this call (e.g. a missing proxied artifact). */
  noRetryOn500?: boolean;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const MAX_DELAY_MS = 60_000;

export function authHeader(auth: MlflowAuth): string | undefined {
  if (auth.type === 'basic') {
    return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }
  if (auth.type === 'bearer') return `Bearer ${auth.token}`;
  return undefined;
}

/** A retryable status: carried to the last attempt, where it becomes the MlflowError. */
class RetryableResponse extends Error {
  constructor(readonly res: AxiosResponse) {
    super(`HTTP ${res.status}`);
  }
}

/** Retry-After as seconds: a number of seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds : undefined;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** Exponential backoff with full jitter on top: base·2^(n-1) + random(0..base·2^(n-1)), capped. */
export function backoffDelay(baseMs: number, attempt: number, retryAfterS?: number): number {
  if (retryAfterS !== undefined && Number.isFinite(retryAfterS) && retryAfterS >= 0) {
    return Math.min(retryAfterS * 1000, MAX_DELAY_MS);
  }
  const step = baseMs * 2 ** (attempt - 1);
  return Math.min(step + Math.random() * step, MAX_DELAY_MS);
}

function queryString(query: RawRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function bodyText(data: unknown): Promise<string> {
  if (data === undefined || data === null) return '';
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (typeof (data as NodeJS.ReadableStream).pipe === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of data as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }
  return JSON.stringify(data);
}

/** Turns a non-2xx answer into an MlflowError; proxies and Flask answer HTML or plain text, so parse defensively. */
async function toMlflowError(res: AxiosResponse, request: string): Promise<MlflowError> {
  const text = await bodyText(res.data);
  try {
    const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof parsed.error_code === 'string') {
      return new MlflowError(parsed.error_code, String(parsed.message ?? ''), res.status, request);
    }
  } catch {
    // not JSON: fall through
  }
  const short = text
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  return new MlflowError(`HTTP_${res.status}`, short || (res.statusText ?? 'no body'), res.status, request);
}

/** axios with MLflow's wire conventions, auth, timeouts and bounded retries. */
export class HttpClient {
  readonly axios: AxiosInstance;
  constructor(readonly options: HttpOptions) {
    const auth = authHeader(options.auth);
    this.axios = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs,
      headers: auth ? { Authorization: auth } : {},
      validateStatus: () => true,
      ...(options.tls?.insecure || options.tls?.caPath
        ? {
            httpsAgent: new HttpsAgent({
              rejectUnauthorized: !options.tls.insecure,
              ...(options.tls.caPath ? { ca: readFileSync(options.tls.caPath) } : {}),
            }),
          }
        : {}),
      maxBodyLength: Number.POSITIVE_INFINITY,
      maxContentLength: Number.POSITIVE_INFINITY,
      // Keep bodies as sent: we serialise JSON ourselves and never want axios to guess.
      transitional: { silentJSONParsing: true, forcedJSONParsing: false, clarifyTimeoutError: true },
    });
  }

  /**
   * Sends a request, retrying connection errors, 408, 429 and 5xx (p-retry; waits from backoffDelay, or the
   * server's Retry-After); other 4xx fail at once.
   */
  async raw(req: RawRequest): Promise<AxiosResponse> {
    const url = `${req.path}${queryString(req.query)}`;
    const label = `${req.method.toUpperCase()} ${req.path}`;
    let attempts = 0;
    try {
      return await pRetry(
        async () => {
          attempts++;
          let res: AxiosResponse;
          try {
            res = await this.axios.request({
              method: req.method,
              url,
              data: req.body?.(),
              headers: req.headers,
              responseType: req.responseType ?? 'text',
            });
          } catch (err) {
            throw isRetryableNetworkError(err) ? err : new AbortError(asError(err));
          }
          if (res.status < 400) return res;
          if (!RETRY_STATUS.has(res.status) || (res.status === 500 && req.noRetryOn500)) {
            throw new AbortError(await toMlflowError(res, label));
          }
          throw new RetryableResponse(res);
        },
        {
          retries: this.options.maxRetries,
          // p-retry's own wait is off: the wait is backoffDelay's (or Retry-After), taken in shouldRetry.
          minTimeout: 0,
          shouldRetry: async ({ error, attemptNumber }) => {
            const res = error instanceof RetryableResponse ? error.res : undefined;
            if (res?.data && typeof (res.data as NodeJS.ReadableStream).resume === 'function') {
              (res.data as NodeJS.ReadableStream).resume();
            }
            const delayMs = backoffDelay(
              this.options.backoffMs,
              attemptNumber,
              retryAfterSeconds(res?.headers?.['retry-after']),
            );
            this.options.onRetry?.({
              request: label,
              attempt: attemptNumber,
              delayMs,
              reason: res ? `HTTP ${res.status}` : errorCode(error),
            });
            await sleep(delayMs);
            return true;
          },
        },
      );
    } catch (err) {
      if (err instanceof RetryableResponse) throw await toMlflowError(err.res, label);
      if (err instanceof MlflowError) throw err;
      throw connectionError(err, label, this.options.baseUrl, attempts);
    }
  }

  /** A JSON API call: GET sends its arguments in the query string, other verbs as a JSON body. */
  async json<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    args: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>> {
    const isGet = method === 'GET';
    const res = await this.raw({
      method,
      path,
      query: isGet ? (args as RawRequest['query']) : undefined,
      body: isGet ? undefined : () => JSON.stringify(args),
      headers: isGet ? {} : { 'Content-Type': 'application/json' },
      responseType: 'text',
    });
    const text = typeof res.data === 'string' ? res.data : await bodyText(res.data);
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new MlflowError(
        'INVALID_RESPONSE',
        `expected a JSON body, got ${JSON.stringify(text.slice(0, 120))}`,
        res.status,
        `${method} ${path}`,
      );
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new MlflowError(
        'INVALID_RESPONSE',
        `unexpected response shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        res.status,
        `${method} ${path}`,
      );
    }
    return result.data;
  }
}

function errorCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code ?? (err instanceof Error ? err.message : String(err));
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function isRetryableNetworkError(err: unknown): boolean {
  return RETRY_CODES.has(errorCode(err));
}

function connectionError(
  err: unknown,
  label: string,
  baseUrl: string,
  attempts: number,
): MlflowConnectionError {
  const code = errorCode(err);
  const timedOut = code === 'ETIMEDOUT' || code === 'ECONNABORTED';
  const what = timedOut ? 'timed out' : `failed (${code})`;
  return new MlflowConnectionError(
    `${label} to ${baseUrl} ${what} after ${attempts} attempt(s); is the MLflow server at MLFLOW_TRACKING_URI running?`,
    label,
    timedOut,
    err,
  );
}
