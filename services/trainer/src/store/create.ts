import { FileTableStore } from './file/store.ts';
import { MysqlTableStore } from './mysql/store.ts';
import type { TableStore } from './types.ts';

/** MySQL when a URL is given, otherwise the local file store under dataDir. */
export function createTableStore(options: { databaseUrl?: string | undefined; dataDir: string }): TableStore {
  return options.databaseUrl ? new MysqlTableStore(options.databaseUrl) : new FileTableStore(options.dataDir);
}
