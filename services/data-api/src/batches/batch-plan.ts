import { gzipSync } from 'node:zlib';
import type { Dataset } from '../dataset/dataset.ts';
import { appendRowJson } from '../dataset/row-json.ts';
import { shuffledRange } from './shuffle.ts';

export const GROUPS = 10;
export const BATCHES_PER_GROUP = 10;
const SEPARATOR = Buffer.from(',');
const END = Buffer.from(']}');

/**
 * Which rows each (group, batch) serves: group g is the g-th of ten contiguous slices of the file;
 * a seeded shuffle of that slice cut into ten parts gives its batches, so batches 1..10 cover the slice
 * exactly once. Everything here is deterministic, so each answer body is built once and then reused.
 */
export class BatchPlan {
  private readonly orders = new Map<number, Uint32Array>();
  private readonly bodies = new Map<string, Buffer>();
  private readonly gzipped = new Map<string, Buffer>();

  constructor(
    readonly dataset: Dataset,
    readonly seed: string,
  ) {}

  /** [start, end) of the group's slice, as row indices (0-based, header excluded). */
  groupRange(group: number): [number, number] {
    const n = this.dataset.rows;
    return [Math.floor(((group - 1) * n) / GROUPS), Math.floor((group * n) / GROUPS)];
  }

  batchRows(group: number, batch: number): Uint32Array {
    let order = this.orders.get(group);
    if (order === undefined) {
      const [start, end] = this.groupRange(group);
      order = shuffledRange(start, end, `${this.seed}:group-${group}`);
      this.orders.set(group, order);
    }
    const size = order.length;
    return order.subarray(
      Math.floor(((batch - 1) * size) / BATCHES_PER_GROUP),
      Math.floor((batch * size) / BATCHES_PER_GROUP),
    );
  }

  /** The serialized answer of GET /data for this batch, built on first use. */
  body(group: number, batch: number): Buffer {
    const key = `${group}:${batch}`;
    let body = this.bodies.get(key);
    if (body === undefined) {
      const rows = this.batchRows(group, batch);
      const chunks: Buffer[] = [Buffer.from(`{"group_number":${group},"batch_number":${batch},"data":[`)];
      let length = chunks[0]!.length + 2 + Math.max(rows.length - 1, 0);
      for (let i = 0; i < rows.length; i++) {
        if (i > 0) chunks.push(SEPARATOR);
        length += appendRowJson(this.dataset, rows[i]!, chunks);
      }
      chunks.push(END);
      body = Buffer.concat(chunks, length);
      this.bodies.set(key, body);
    }
    return body;
  }

  /**
   * The same body gzipped, also built once: most HTTP clients (Python requests, fetch, axios) ask for
   * gzip, and a fifth of the bytes is what lets one core serve many clients.
   */
  gzipBody(group: number, batch: number): Buffer {
    const key = `${group}:${batch}`;
    let body = this.gzipped.get(key);
    if (body === undefined) {
      body = gzipSync(this.body(group, batch), { level: 6 });
      this.gzipped.set(key, body);
    }
    return body;
  }

  /** Smallest and largest batch, in rows (they differ by at most one per group). */
  batchSizes(): { min: number; max: number } {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (let g = 1; g <= GROUPS; g++) {
      const [start, end] = this.groupRange(g);
      const size = end - start;
      min = Math.min(min, Math.floor(size / BATCHES_PER_GROUP));
      max = Math.max(max, Math.ceil(size / BATCHES_PER_GROUP));
    }
    return { min, max };
  }
}
