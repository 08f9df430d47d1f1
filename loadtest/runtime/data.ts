// The request rows, read once from the mounted CSV into a SharedArray (one copy for all VUs).
import { SharedArray } from 'k6/data';
import { type PredictRow, parseServingCsv } from '../lib/payloads.ts';

/** Path of covertype_serving.csv: the compose overlay mounts the data folder at /data. */
export const DATA_FILE = __ENV['DATA_FILE'] || '/data/covertype_serving.csv';
const MAX_ROWS = Number(__ENV['MAX_ROWS'] || 5000);

export const rows: PredictRow[] = new SharedArray('covertype serving rows', () =>
  parseServingCsv(open(DATA_FILE), MAX_ROWS),
);
