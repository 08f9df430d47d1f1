export {
  type ArtifactRepository,
  artifactRepository,
  createS3Client,
  downloadTree,
  fileUri,
  joinArtifactPath,
  LocalArtifactRepository,
  localPathFromUri,
  ProxyArtifactRepository,
  parseS3Uri,
  S3ArtifactRepository,
  uploadDirectory,
} from './artifacts/index.ts';
export { BATCH_LIMITS, chunkBatch, VALUE_LIMITS } from './batch.ts';
export {
  defaultTrackingUri,
  loadMlflowConfig,
  type MlflowAuth,
  type MlflowConfig,
  MlflowConfigError,
  MlflowEnvSchema,
  workspaceRoot,
} from './config.ts';
export { type CreateMlflowOptions, createMlflow } from './create.ts';
export { type DownloadedModel, downloadModel } from './download.ts';
export {
  ArtifactError,
  isMlflowError,
  MlflowConnectionError,
  MlflowError,
  ModelUriError,
  statusForCode,
} from './errors.ts';
export { authHeader, backoffDelay, HttpClient, retryAfterSeconds } from './http.ts';
export { LocalBackend } from './local/backend.ts';
export {
  CLIENT,
  INPUT_EXAMPLE_FILE,
  MIN_MLFLOW_VERSION,
  MLMODEL_FILE,
  mlflowUtcTime,
  ONNX_FILE,
  onnxPathOf,
  readInputExample,
  readMlmodel,
  SERVING_INPUT_FILE,
  writeMlmodel,
  writeOnnxModelDir,
} from './mlmodel.ts';
export { type ResolvedModel, resolveModelUri } from './model-uri.ts';
export {
  type OnnxVersions,
  onnxMetadata,
  onnxRequirements,
  onnxVersions,
} from './onnx-requirements.ts';
export { RestBackend } from './rest/backend.ts';
export * from './types.ts';
export { currentUser } from './user.ts';
