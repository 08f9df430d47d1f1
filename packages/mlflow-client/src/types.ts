export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted' | string;
  creationTime?: number;
  lastUpdateTime?: number;
  tags: Record<string, string>;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName?: string;
  status: RunStatus;
  startTime?: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: string;
  userId?: string;
}

export interface Metric {
  key: string;
  /** NaN arrives from MLflow as the string "NaN"; it is NaN here. */
  value: number;
  timestamp: number;
  step: number;
}

export interface Run {
  info: RunInfo;
  data: {
    /** Latest value of each metric. */
    metrics: Record<string, number>;
    params: Record<string, string>;
    tags: Record<string, string>;
  };
}

export interface MetricInput {
  key: string;
  value: number;
  /** ms since the epoch; defaults to now. */
  timestamp?: number;
  step?: number;
}

export interface LogBatchInput {
  /** A list (with steps/timestamps) or a plain `{ name: value }` map logged at step 0. */
  metrics?: readonly MetricInput[] | Record<string, number>;
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
}

export interface CreateRunInput {
  experimentId: string;
  runName?: string;
  tags?: Record<string, string>;
  /** Nests the run under a parent (the `mlflow.parentRunId` tag, as MLflow does). */
  parentRunId?: string;
  /** ms since the epoch; defaults to now (the server would default to 0). */
  startTime?: number;
}

export interface SearchRunsInput {
  experimentIds: readonly string[];
  /** An MLflow filter string, sent as is; the local store reads `key = 'value'` clauses joined by AND. */
  filter?: string;
  maxResults?: number;
  pageToken?: string;
  runViewType?: ViewType;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

export interface FileInfo {
  /** Relative to the artifact root (the run's artifact directory). */
  path: string;
  isDir: boolean;
  fileSize?: number;
}

export interface RegisteredModel {
  name: string;
  creationTimestamp?: number;
  lastUpdatedTimestamp?: number;
  description?: string;
  latestVersions: ModelVersion[];
  tags: Record<string, string>;
  /** alias → version */
  aliases: Record<string, string>;
}

export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp?: number;
  lastUpdatedTimestamp?: number;
  currentStage: ModelStage | string;
  description?: string;
  source: string;
  runId?: string;
  runLink?: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  tags: Record<string, string>;
  aliases: string[];
}

export interface SearchInput {
  /** An MLflow filter string, sent as is; the local store reads `key = 'value'` clauses joined by AND. */
  filter?: string;
  maxResults?: number;
  pageToken?: string;
}

export interface CreateModelVersionOptions {
  tags?: Record<string, string>;
  description?: string;
  runLink?: string;
  /** How long to wait for PENDING_REGISTRATION to become READY (default 300 s). */
  awaitReadyMs?: number;
}

export interface OnnxModelInput {
  /** The serialized ONNX graph. */
  onnx: Uint8Array;
  /** MLflow signature: lists of column or tensor specs (written as JSON strings inside MLmodel). */
  signature: ModelSignature;
  /**
   * An input example: a dict of tensors (nested arrays), an array, or records (DataFrame rows), written as
   * MLflow >= 2.16 writes it (input_example.json + serving_input_example.json).
   */
  inputExample?: unknown;
  /** Free-form metadata stored in MLmodel's `metadata` key. */
  metadata?: Record<string, unknown>;
  /** Extra files to place in the model directory (name → contents). */
  extraFiles?: Record<string, string | Uint8Array>;
  /** Pip requirements; default mlflow, onnx, onnxruntime. */
  pipRequirements?: string[];
}

export interface TensorSpec {
  type: 'tensor';
  name?: string;
  'tensor-spec': { dtype: string; shape: number[] };
}
export interface ColumnSpec {
  type: string;
  name?: string;
  required?: boolean;
}
export interface ModelSignature {
  inputs: (TensorSpec | ColumnSpec)[];
  outputs?: (TensorSpec | ColumnSpec)[];
  params?: unknown[] | null;
}

export interface LoggedModel {
  /** Full artifact URI of the model directory, e.g. s3://bucket/1/<run>/artifacts/model. */
  artifactUri: string;
  /** `runs:/<run_id>/<artifact_path>` */
  runsUri: string;
  mlmodel: Mlmodel;
}

/** The MLmodel YAML as a plain object (keys as MLflow writes them). */
export interface Mlmodel {
  artifact_path?: string;
  flavors: Record<string, Record<string, unknown>>;
  mlflow_version?: string;
  model_size_bytes?: number;
  model_uuid?: string;
  run_id?: string;
  saved_input_example_info?: Record<string, unknown>;
  signature?: { inputs?: string; outputs?: string; params?: string | null };
  utc_time_created?: string;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/** One interface for the REST and local-directory backends: services must not know which they got. */
export interface MlflowBackend {
  /** What MLFLOW_TRACKING_URI said (http(s)://… or file:…). */
  readonly trackingUri: string;

  /** The tracking server's MLflow version (REST `GET /version`); undefined for a local store or no answer. */
  serverVersion(): Promise<string | undefined>;

  /** undefined when no experiment has that name (deleted ones are returned, with lifecycleStage 'deleted'). */
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  createExperiment(
    name: string,
    options?: { artifactLocation?: string; tags?: Record<string, string> },
  ): Promise<string>;
  /** Id of the experiment with that name, creating it if needed; restores a deleted one. */
  getOrCreateExperiment(
    name: string,
    options?: { artifactLocation?: string; tags?: Record<string, string> },
  ): Promise<string>;

  createRun(input: CreateRunInput): Promise<Run>;
  /** Logs in chunks within MLflow's limits (≤100 metrics, 100 params, 100 tags per request). */
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  setTerminated(runId: string, status?: 'FINISHED' | 'FAILED' | 'KILLED', endTime?: number): Promise<void>;
  getRun(runId: string): Promise<Run>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;

  /** Uploads one file under the run's artifact root (into `artifactPath/` when given). */
  logArtifact(runId: string, localFile: string, artifactPath?: string): Promise<void>;
  /** Uploads a directory's contents recursively (into `artifactPath/` when given). */
  logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void>;
  listArtifacts(runId: string, path?: string): Promise<FileInfo[]>;
  /**
   * Downloads a run's artifact (file or directory) or any artifact URI into dstDir; returns the local path
   * (dstDir/<path>, as MLflow does).
   */
  downloadArtifacts(
    source: { runId: string; path?: string } | { artifactUri: string },
    dstDir: string,
  ): Promise<string>;
  /** Writes the MLflow model directory for an ONNX graph, uploads it and records it on the run. */
  logOnnxModel(runId: string, artifactPath: string, model: OnnxModelInput): Promise<LoggedModel>;

  /** Creates the registered model, or returns the existing one. */
  createRegisteredModel(
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  searchRegisteredModels(input?: SearchInput): Promise<Page<RegisteredModel>>;
  /** Registers a version and waits until it is READY. A `runs:/` source is resolved to the concrete URI first. */
  createModelVersion(
    name: string,
    source: string,
    runId?: string,
    options?: CreateModelVersionOptions,
  ): Promise<ModelVersion>;
  getModelVersion(name: string, version: string | number): Promise<ModelVersion>;
  searchModelVersions(input?: SearchInput): Promise<Page<ModelVersion>>;
  setModelVersionTag(name: string, version: string | number, key: string, value: string): Promise<void>;
  transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: ModelStage,
    archiveExistingVersions?: boolean,
  ): Promise<ModelVersion>;
  /** Latest version per stage (all stages when none given). Deprecated in MLflow since 2.9, still served. */
  getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]>;
  getModelVersionDownloadUri(name: string, version: string | number): Promise<string>;
  setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
}
