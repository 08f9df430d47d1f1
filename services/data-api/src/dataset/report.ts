import type { Logger } from 'pino';
import type { Dataset } from './dataset.ts';

const LOGGED_EXAMPLES = 5;

/** Invalid rows are served, not dropped, so say at start-up how many there are and why. */
export function logInvalidRows(logger: Logger, dataset: Dataset): void {
  const { invalid } = dataset;
  if (invalid.count === 0) return;
  logger.warn(
    {
      invalidRows: invalid.count,
      byField: invalid.byField,
      byReason: invalid.byReason,
      examples: invalid.examples.slice(0, LOGGED_EXAMPLES),
    },
    'rows that fail validation are served as they are (see GET /data/summary)',
  );
}
