import type { FileInfo } from '../types.ts';

/** One artifact root (a run's artifact directory, a model directory, any URI): upload, list, download. */
export interface ArtifactRepository {
  readonly rootUri: string;
  /** Uploads a local file to `<root>/<relPath>`. */
  uploadFile(localPath: string, relPath: string): Promise<void>;
  /** Direct children of `<root>/<relPath>`, with paths relative to the root; [] for a file or a missing path. */
  list(relPath: string): Promise<FileInfo[]>;
  /** Downloads `<root>/<relPath>` to localPath; ArtifactError when it does not exist. */
  downloadFile(relPath: string, localPath: string): Promise<void>;
}

/** Joins artifact path segments with `/`, rejecting `..` the way MLflow does. */
export function joinArtifactPath(...parts: (string | undefined)[]): string {
  const segments = parts
    .filter((p): p is string => p !== undefined && p !== '')
    .flatMap((p) => p.split('/'))
    .filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    throw new Error(`invalid artifact path ${JSON.stringify(parts.join('/'))}: '..' is not allowed`);
  return segments.join('/');
}
