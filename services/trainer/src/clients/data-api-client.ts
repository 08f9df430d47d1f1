import pRetry from 'p-retry';
import { z } from 'zod';

export const DataBatchSchema = z.object({
  group_number: z.number().int(),
  batch_number: z.number().int().nonnegative(),
  data: z.array(z.array(z.unknown())),
});
export type DataBatch = z.infer<typeof DataBatchSchema>;

/** The data API answered, but not with something we can use (4xx other than "exhausted"). */
export class DataApiError extends Error {
  override name = 'DataApiError';
}

/** The data API could not be reached or answered 5xx, even after the request-level retries. */
export class DataApiUnavailableError extends Error {
  override name = 'DataApiUnavailableError';
}

export interface DataApiClientOptions {
  baseUrl: string;
  /** Per request. */
  timeoutMs?: number;
  /** Request-level retries on connection errors and 5xx, before the task's own retries take over. */
  retries?: number;
  retryDelayMs?: number;
}

export type FetchResult = { kind: 'batch'; batch: DataBatch } | { kind: 'exhausted'; message: string };

async function bodyMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { detail?: unknown; message?: unknown };
    const msg = body.message ?? body.detail;
    if (typeof msg === 'string') return msg;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || `HTTP ${res.status}`;
}

/** Client for the workshop's data API: GET /data and GET /restart_data_generation. */
export class DataApiClient {
  private readonly base: string;
  constructor(private readonly options: DataApiClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  private async get(pathAndQuery: string, signal: AbortSignal): Promise<Response> {
    const retries = this.options.retries ?? 4;
    const attempt = async () => {
      let res: Response;
      try {
        res = await fetch(`${this.base}${pathAndQuery}`, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs ?? 10_000)]),
        });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        // Connection refused, reset or timed out: worth another try, whatever the error's type.
        throw new Error((err as Error).message, { cause: (err as Error).cause });
      }
      if (res.status >= 500) throw new Error(`HTTP ${res.status}: ${await bodyMessage(res)}`);
      return res;
    };
    try {
      return await pRetry(attempt, {
        retries,
        minTimeout: this.options.retryDelayMs ?? 500,
        maxTimeout: 10_000,
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const cause =
        (err as Error).cause instanceof Error ? ` (${((err as Error).cause as Error).message})` : '';
      throw new DataApiUnavailableError(
        `data API at ${this.base} unavailable after ${retries + 1} tries (GET ${pathAndQuery.split('?')[0]}): ${(err as Error).message}${cause}`,
      );
    }
  }

  async restart(group: number, signal: AbortSignal): Promise<void> {
    const res = await this.get(`/restart_data_generation?group_number=${group}`, signal);
    if (!res.ok) {
      throw new DataApiError(
        `data API refused to restart group ${group}: HTTP ${res.status} ${await bodyMessage(res)}`,
      );
    }
    await res.body?.cancel();
  }

  /** One poll of GET /data: the current batch, or `exhausted` once the group has handed out every batch. */
  async fetchBatch(group: number, signal: AbortSignal): Promise<FetchResult> {
    const res = await this.get(`/data?group_number=${group}`, signal);
    if (res.status === 400) return { kind: 'exhausted', message: await bodyMessage(res) };
    if (!res.ok) {
      throw new DataApiError(
        `data API GET /data?group_number=${group}: HTTP ${res.status} ${await bodyMessage(res)}`,
      );
    }
    const parsed = DataBatchSchema.safeParse(await res.json());
    if (!parsed.success) {
      throw new DataApiError(
        `data API GET /data?group_number=${group} answered an unexpected body: ${parsed.error.issues[0]?.message}; expected {group_number, batch_number, data: [[...13 values]]}`,
      );
    }
    return { kind: 'batch', batch: parsed.data };
  }
}
