import { readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@covertype/service-kit/paths';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number) => z.coerce.number().int().min(min);

/** Environment names are MLflow's own (and boto3's), so one .env serves Python and TypeScript clients. */
export const MlflowEnvSchema = z.object({
  /** Unset: defaultTrackingUri(). */
  MLFLOW_TRACKING_URI: z.string().optional(),
  MLFLOW_TRACKING_USERNAME: z.string().optional(),
  MLFLOW_TRACKING_PASSWORD: z.string().optional(),
  MLFLOW_TRACKING_TOKEN: z.string().optional(),
  MLFLOW_S3_ENDPOINT_URL: z
    .string()
    .regex(/^https?:\/\/[^/\s]+/, 'expected an http(s) URL such as http://minio:9000')
    .optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().default('us-east-1'),
  /** Per-request timeout (ms); MLflow's Python client uses 120 s. */
  MLFLOW_HTTP_REQUEST_TIMEOUT_MS: int(1).default(120_000),
  /** Retries after the first attempt on connection errors, 408, 429 and 5xx (Python 2.x: 5). */
  MLFLOW_HTTP_REQUEST_MAX_RETRIES: int(0).default(5),
  /** First backoff step (ms); doubles each retry, plus up to the same amount of jitter, capped at 60 s. */
  MLFLOW_HTTP_REQUEST_BACKOFF_MS: int(0).default(1000),
  /**
   * `WHEN_REQUIRED` keeps the AWS SDK from adding CRC checksums and aws-chunked framing that older MinIO and
   * s3rver store as data. Default: WHEN_REQUIRED with a custom endpoint, WHEN_SUPPORTED against AWS itself.
   */
  MLFLOW_S3_CHECKSUMS: z.enum(['WHEN_REQUIRED', 'WHEN_SUPPORTED']).optional(),
  /** Where downloadModel caches registry versions. */
  MLFLOW_MODEL_CACHE_DIR: z.string().default('.cache/mlflow-models'),
  MLFLOW_S3_UPLOAD_PART_SIZE_MB: int(5).default(8),
  MLFLOW_S3_IGNORE_TLS: bool.default(false),
  /** Skip TLS verification towards the tracking server (self-signed certificates). */
  MLFLOW_TRACKING_INSECURE_TLS: bool.default(false),
  /** A CA bundle (PEM) to verify the tracking server with. */
  MLFLOW_TRACKING_SERVER_CERT_PATH: z.string().optional(),
});

export { workspaceRoot };

/**
 * The registry when MLFLOW_TRACKING_URI is unset: `mlruns` at the workspace root, so the trainer and the
 * inference API (each run by pnpm from its own package folder) meet in one registry; outside a
 * checkout (an image), `mlruns` in the working folder.
 */
export function defaultTrackingUri(cwd: string = process.cwd()): string {
  return `file:${path.join(workspaceRoot(cwd) ?? path.resolve(cwd), 'mlruns')}`;
}

/**
 * A relative local registry (`file:./mlruns`, `mlruns`) is taken from where the command was typed: pnpm
 * runs package scripts in the package's folder but keeps the caller's in INIT_CWD.
 */
function fromTypingFolder(uri: string, base: string): string {
  if (uri.startsWith('file:') && !uri.startsWith('file:/')) {
    return `file:${path.resolve(base, uri.slice('file:'.length))}`;
  }
  const bare = !/^[a-z][a-z0-9+.-]*:/i.test(uri) && uri !== 'databricks';
  return bare && !path.isAbsolute(uri) ? path.resolve(base, uri) : uri;
}

export type MlflowAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string };

export interface MlflowConfig {
  /** `http(s)://…` for a tracking server, `file:…` for the local-directory backend. */
  trackingUri: string;
  auth: MlflowAuth;
  timeoutMs: number;
  tls: { insecure: boolean; caPath?: string };
  maxRetries: number;
  backoffMs: number;
  modelCacheDir: string;
  s3: {
    endpoint?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    region: string;
    checksums: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
    partSizeBytes: number;
    ignoreTls: boolean;
  };
}

/**
 * `~/.mlflow/credentials`, section `[mlflow]`, as MLflow's Python client reads it:
 * mlflow_tracking_username / mlflow_tracking_password (and, here, mlflow_tracking_token).
 */
function readCredentialsFile(home: string | undefined): Record<string, string> {
  if (!home) return {};
  let text: string;
  try {
    text = readFileSync(path.join(home, '.mlflow', 'credentials'), 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!.trim();
    else if (section === 'mlflow') {
      const eq = line.search(/[=:]/);
      if (eq > 0) out[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
    }
  }
  return out;
}

/**
 * MLflow's rule: username + password → Basic; otherwise a token → Bearer (Basic wins if both are set).
 * The environment wins over ~/.mlflow/credentials.
 */
function authFrom(env: z.output<typeof MlflowEnvSchema>, home: string | undefined): MlflowAuth {
  const file = readCredentialsFile(home);
  const username = env.MLFLOW_TRACKING_USERNAME ?? file.mlflow_tracking_username;
  const password = env.MLFLOW_TRACKING_PASSWORD ?? file.mlflow_tracking_password;
  const token = env.MLFLOW_TRACKING_TOKEN ?? file.mlflow_tracking_token;
  if (username !== undefined && password !== undefined) return { type: 'basic', username, password };
  if (token !== undefined) return { type: 'bearer', token };
  return { type: 'none' };
}

export class MlflowConfigError extends Error {
  override name = 'MlflowConfigError';
}

/**
 * Reads the MLflow settings from the environment (empty values count as unset); `cwd` locates the
 * default registry (defaultTrackingUri).
 */
export function loadMlflowConfig(
  env: NodeJS.ProcessEnv = process.env,
  { cwd = process.cwd() }: { cwd?: string } = {},
): MlflowConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = MlflowEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '(environment)');
      const got = cleaned[key];
      return `${key}=${got === undefined ? '(unset)' : JSON.stringify(got)}: ${issue.message}`;
    });
    throw new MlflowConfigError(`invalid MLflow configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const uri = e.MLFLOW_TRACKING_URI
    ? fromTypingFolder(e.MLFLOW_TRACKING_URI, cleaned.INIT_CWD ?? cwd)
    : defaultTrackingUri(cwd);
  const otherScheme =
    /^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^(https?:|file:)/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri);
  // `databricks` (no scheme) is MLflow's Databricks target, not a folder name.
  if (otherScheme || uri === 'databricks') {
    throw new MlflowConfigError(
      `invalid MLflow configuration: MLFLOW_TRACKING_URI=${JSON.stringify(uri)}: expected http(s)://host:port, file:./dir or a directory path`,
    );
  }
  return {
    trackingUri: uri,
    auth: authFrom(e, cleaned.HOME),
    timeoutMs: e.MLFLOW_HTTP_REQUEST_TIMEOUT_MS,
    tls: { insecure: e.MLFLOW_TRACKING_INSECURE_TLS, caPath: e.MLFLOW_TRACKING_SERVER_CERT_PATH },
    maxRetries: e.MLFLOW_HTTP_REQUEST_MAX_RETRIES,
    backoffMs: e.MLFLOW_HTTP_REQUEST_BACKOFF_MS,
    modelCacheDir: e.MLFLOW_MODEL_CACHE_DIR,
    s3: {
      endpoint: e.MLFLOW_S3_ENDPOINT_URL,
      accessKeyId: e.AWS_ACCESS_KEY_ID,
      secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
      region: e.AWS_DEFAULT_REGION,
      checksums: e.MLFLOW_S3_CHECKSUMS ?? (e.MLFLOW_S3_ENDPOINT_URL ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED'),
      partSizeBytes: e.MLFLOW_S3_UPLOAD_PART_SIZE_MB * 1024 * 1024,
      ignoreTls: e.MLFLOW_S3_IGNORE_TLS,
    },
  };
}
