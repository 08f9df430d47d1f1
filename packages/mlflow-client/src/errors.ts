/**
 * An error answered by the tracking server (or by the local backend, with the code MLflow would use).
 * Match on `code` (MLflow's `error_code`), never on the message: MLflow's messages can embed raw SQL.
 */
export class MlflowError extends Error {
  override name = 'MlflowError';
  constructor(
    /** MLflow's error_code, e.g. RESOURCE_DOES_NOT_EXIST; `HTTP_<status>` when the body was not MLflow JSON. */
    readonly code: string,
    message: string,
    /** HTTP status (the status MLflow maps the code to, for the local backend). */
    readonly status: number,
    /** What was asked, e.g. `GET /api/2.0/mlflow/runs/get`. */
    readonly request?: string,
  ) {
    super(request ? `${request}: ${code} (HTTP ${status}): ${message}` : `${code}: ${message}`);
  }
}

/** The server could not be reached (refused, reset, DNS) or did not answer in time, after all retries. */
export class MlflowConnectionError extends Error {
  override name = 'MlflowConnectionError';
  constructor(
    message: string,
    readonly request: string,
    readonly timedOut: boolean,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** An artifact that is missing, unreadable or not what it should be (e.g. an MLmodel without an onnx flavor). */
export class ArtifactError extends Error {
  override name = 'ArtifactError';
  constructor(
    message: string,
    readonly uri: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** A model URI that does not parse, or that names no version. */
export class ModelUriError extends Error {
  override name = 'ModelUriError';
  constructor(
    message: string,
    readonly uri: string,
  ) {
    super(message);
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The HTTP status MLflow answers with for an error_code (reference §2). */
export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** An error as the local backend raises it: same code and status as the server would give. */
export function mlflowError(code: keyof typeof STATUS_BY_CODE | string, message: string): MlflowError {
  return new MlflowError(code, message, statusForCode(code));
}

export function isMlflowError(err: unknown, code?: string): err is MlflowError {
  return err instanceof MlflowError && (code === undefined || err.code === code);
}
