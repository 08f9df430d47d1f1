import type { Logger } from 'pino';
import { type DataApiClient, DataApiError } from '../clients/data-api-client.ts';
import { abortableSleep } from '../dag/run.ts';
import type { RawStore } from '../store/types.ts';

export interface IngestOptions {
  client: DataApiClient;
  raw: RawStore;
  groups: readonly number[];
  /** Wait between two polls that returned a batch already stored (the API hands out one per interval). */
  pollIntervalMs: number;
  signal: AbortSignal;
  log: Logger;
}

export interface GroupIngest {
  group: number;
  batches: number[];
  newBatches: number[];
  rowsReceived: number;
  rowsInserted: number;
  polls: number;
}

export interface IngestResult {
  groups: GroupIngest[];
  rowsInserted: number;
  rawRows: number;
}

/**
 * Restarts the group on the data API and polls GET /data until the group is exhausted. Each new
 * batch is stored at once (so a killed run keeps what it got); a batch number seen before adds nothing.
 */
export async function ingestGroup(
  options: Omit<IngestOptions, 'groups'>,
  group: number,
): Promise<GroupIngest> {
  const { client, raw, signal, log } = options;
  await client.restart(group, signal);
  const seen = new Set<number>();
  const result: GroupIngest = {
    group,
    batches: [],
    newBatches: [],
    rowsReceived: 0,
    rowsInserted: 0,
    polls: 0,
  };
  for (;;) {
    result.polls++;
    const answer = await client.fetchBatch(group, signal);
    if (answer.kind === 'exhausted') {
      if (seen.size === 0) {
        throw new DataApiError(
          `data API gave no batch for group ${group} after a restart (HTTP 400: ${answer.message})`,
        );
      }
      log.info({ group, batches: seen.size, message: answer.message }, 'group exhausted');
      break;
    }
    const { batch_number: batch, data } = answer.batch;
    if (answer.batch.group_number !== group) {
      throw new DataApiError(
        `asked the data API for group ${group} and got group ${answer.batch.group_number}`,
      );
    }
    if (seen.has(batch)) {
      // The API repeats the current batch until its update interval passed.
      await abortableSleep(options.pollIntervalMs, signal);
      continue;
    }
    seen.add(batch);
    const inserted = await raw.insertBatch(group, batch, data);
    result.batches.push(batch);
    result.rowsReceived += data.length;
    result.rowsInserted += inserted;
    if (inserted > 0) result.newBatches.push(batch);
    log.info({ group, batch, rows: data.length, inserted }, 'batch stored');
  }
  return result;
}

/** Ingests every configured group side by side (the data API gates each group on its own). */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const groups = await Promise.all(options.groups.map((g) => ingestGroup(options, g)));
  return {
    groups,
    rowsInserted: groups.reduce((n, g) => n + g.rowsInserted, 0),
    rawRows: await options.raw.count(options.groups),
  };
}
