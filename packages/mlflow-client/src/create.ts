import type { MlflowConfig } from './config.ts';
import type { HttpOptions } from './http.ts';
import { LocalBackend } from './local/backend.ts';
import { RestBackend } from './rest/backend.ts';
import type { MlflowBackend } from './types.ts';

export interface CreateMlflowOptions {
  /** Called before each HTTP retry, e.g. to log that MLflow is still starting. */
  onRetry?: HttpOptions['onRetry'];
}

/** The backend for MLFLOW_TRACKING_URI: REST for http(s)://, the local directory store otherwise. */
export function createMlflow(config: MlflowConfig, options: CreateMlflowOptions = {}): MlflowBackend {
  if (/^https?:\/\//i.test(config.trackingUri))
    return new RestBackend(config.trackingUri, config, options.onRetry);
  return new LocalBackend(config.trackingUri, config);
}
