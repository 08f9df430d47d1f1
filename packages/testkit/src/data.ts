import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Folder of the shared covertype CSVs. CI sets COVERTYPE_DATA_DIR; a developer checkout
 * falls back to ../shared/data beside the repository.
 */
export function dataDir(): string {
  const dir = process.env.COVERTYPE_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
  if (!existsSync(dir)) {
    throw new Error(
      `covertype data not found at ${dir}; set COVERTYPE_DATA_DIR to the folder with covertype.csv`,
    );
  }
  return dir;
}

export type DataFile = 'covertype.csv' | 'covertype_serving.csv' | 'covertype_anomalies.csv';

export function dataFile(name: DataFile): string {
  return path.join(dataDir(), name);
}

export { repoRoot };
