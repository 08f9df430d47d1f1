import type { S3Client } from '@aws-sdk/client-s3';
import type { ArtifactContext } from '../artifacts/index.ts';
import { createS3Client } from '../artifacts/s3.ts';
import { BackendBase, type ExperimentOptions } from '../base.ts';
import type { BatchChunk } from '../batch.ts';
import type { MlflowConfig } from '../config.ts';
import { isMlflowError } from '../errors.ts';
import { HttpClient, type HttpOptions } from '../http.ts';
import type {
  CreateModelVersionOptions,
  CreateRunInput,
  Experiment,
  Mlmodel,
  ModelStage,
  ModelVersion,
  Page,
  RegisteredModel,
  Run,
  SearchInput,
  SearchRunsInput,
} from '../types.ts';
import { recordToTags, toExperiment, toModelVersion, toRegisteredModel, toRun } from './convert.ts';
import * as S from './schemas.ts';

const API = '/api/2.0/mlflow';

function page<T>(items: T[], token: string | undefined): Page<T> {
  return token ? { items, nextPageToken: token } : { items };
}

/** MLflow's tracking server over REST (`MLFLOW_TRACKING_URI=http(s)://…`). */
export class RestBackend extends BackendBase {
  readonly http: HttpClient;
  protected readonly artifacts: ArtifactContext;
  private s3?: S3Client;

  constructor(
    readonly trackingUri: string,
    config: MlflowConfig,
    onRetry?: HttpOptions['onRetry'],
  ) {
    super();
    this.http = new HttpClient({
      baseUrl: trackingUri,
      auth: config.auth,
      timeoutMs: config.timeoutMs,
      tls: config.tls,
      maxRetries: config.maxRetries,
      backoffMs: config.backoffMs,
      ...(onRetry ? { onRetry } : {}),
    });
    this.artifacts = {
      http: this.http,
      s3: () => {
        this.s3 ??= createS3Client({ ...config.s3, maxRetries: config.maxRetries });
        return this.s3;
      },
      partSizeBytes: config.s3.partSizeBytes,
    };
  }

  private version?: Promise<string | undefined>;

  /** `GET /version` (outside /api): the server's MLflow version; undefined if it does not answer one. */
  override serverVersion(): Promise<string | undefined> {
    this.version ??= this.http
      .raw({ method: 'GET', path: '/version', responseType: 'text' })
      .then((res) => {
        const text = String(res.data ?? '').trim();
        return /^\d+\.\d+[\w.+-]*$/.test(text) ? text : undefined;
      })
      .catch(() => {
        // Not cached: a passing failure should not hide the version for the process's lifetime.
        this.version = undefined;
        return undefined;
      });
    return this.version;
  }

  private get<S extends import('zod').ZodType>(path: string, args: Record<string, unknown>, schema: S) {
    return this.http.json('GET', `${API}/${path}`, args, schema);
  }
  private post<S extends import('zod').ZodType>(path: string, args: Record<string, unknown>, schema: S) {
    return this.http.json('POST', `${API}/${path}`, args, schema);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.get('experiments/get-by-name', { experiment_name: name }, S.ExperimentRes);
      return toExperiment(res.experiment);
    } catch (err) {
      if (isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw err;
    }
  }

  async createExperiment(name: string, options: ExperimentOptions = {}): Promise<string> {
    const res = await this.post(
      'experiments/create',
      { name, artifact_location: options.artifactLocation, tags: recordToTags(options.tags) },
      S.CreateExperimentRes,
    );
    return res.experiment_id;
  }

  protected async restoreExperiment(experimentId: string): Promise<void> {
    await this.post('experiments/restore', { experiment_id: experimentId }, S.Empty);
  }

  protected async createRunRaw(input: CreateRunInput & { startTime: number; tags: Record<string, string> }) {
    const res = await this.post(
      'runs/create',
      {
        experiment_id: input.experimentId,
        run_name: input.runName,
        // Deprecated field the Python client still sends; the UI reads the mlflow.user tag.
        user_id: input.tags['mlflow.user'],
        start_time: input.startTime,
        tags: recordToTags(input.tags),
      },
      S.RunRes,
    );
    return toRun(res.run);
  }

  protected async logBatchChunk(runId: string, chunk: BatchChunk): Promise<void> {
    await this.post('runs/log-batch', { run_id: runId, ...chunk }, S.Empty);
  }

  protected async updateRun(runId: string, status: string, endTime: number): Promise<void> {
    await this.post('runs/update', { run_id: runId, status, end_time: endTime }, S.Empty);
  }

  async getRun(runId: string): Promise<Run> {
    return toRun((await this.get('runs/get', { run_id: runId }, S.RunRes)).run);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const res = await this.post(
      'runs/search',
      {
        experiment_ids: input.experimentIds,
        filter: input.filter,
        run_view_type: input.runViewType ?? 'ACTIVE_ONLY',
        max_results: input.maxResults ?? 1000,
        page_token: input.pageToken,
      },
      S.SearchRunsRes,
    );
    return page((res.runs ?? []).map(toRun), res.next_page_token);
  }

  protected async recordLoggedModel(runId: string, mlmodel: Mlmodel): Promise<void> {
    await this.post('runs/log-model', { run_id: runId, model_json: JSON.stringify(mlmodel) }, S.Empty);
  }

  protected async createRegisteredModelRaw(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    const res = await this.post(
      'registered-models/create',
      { name, description: options.description, tags: recordToTags(options.tags) },
      S.RegisteredModelRes,
    );
    return toRegisteredModel(res.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return toRegisteredModel(
      (await this.get('registered-models/get', { name }, S.RegisteredModelRes)).registered_model,
    );
  }

  async searchRegisteredModels(input: SearchInput = {}): Promise<Page<RegisteredModel>> {
    const res = await this.get(
      'registered-models/search',
      {
        filter: input.filter,
        max_results: input.maxResults ?? 100,
        page_token: input.pageToken,
      },
      S.SearchRegisteredModelsRes,
    );
    return page((res.registered_models ?? []).map(toRegisteredModel), res.next_page_token);
  }

  protected async createModelVersionRaw(
    name: string,
    source: string,
    runId: string | undefined,
    options: CreateModelVersionOptions,
  ): Promise<ModelVersion> {
    const res = await this.post(
      'model-versions/create',
      {
        name,
        source,
        run_id: runId,
        tags: recordToTags(options.tags),
        run_link: options.runLink,
        description: options.description,
      },
      S.ModelVersionRes,
    );
    return toModelVersion(res.model_version);
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    const res = await this.get('model-versions/get', { name, version: String(version) }, S.ModelVersionRes);
    return toModelVersion(res.model_version);
  }

  async searchModelVersions(input: SearchInput = {}): Promise<Page<ModelVersion>> {
    const res = await this.get(
      'model-versions/search',
      {
        filter: input.filter,
        max_results: input.maxResults ?? 1000,
        page_token: input.pageToken,
      },
      S.SearchModelVersionsRes,
    );
    return page((res.model_versions ?? []).map(toModelVersion), res.next_page_token);
  }

  async setModelVersionTag(
    name: string,
    version: string | number,
    key: string,
    value: string,
  ): Promise<void> {
    await this.post('model-versions/set-tag', { name, version: String(version), key, value }, S.Empty);
  }

  protected async transitionStageRaw(
    name: string,
    version: string,
    stage: ModelStage,
    archiveExisting: boolean,
  ) {
    const res = await this.post(
      'model-versions/transition-stage',
      { name, version, stage, archive_existing_versions: archiveExisting },
      S.ModelVersionRes,
    );
    return toModelVersion(res.model_version);
  }

  async getLatestVersions(name: string, stages: readonly ModelStage[] = []): Promise<ModelVersion[]> {
    const res = await this.post(
      'registered-models/get-latest-versions',
      { name, stages },
      S.LatestVersionsRes,
    );
    return (res.model_versions ?? []).map(toModelVersion);
  }

  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    const res = await this.get(
      'model-versions/get-download-uri',
      { name, version: String(version) },
      S.DownloadUriRes,
    );
    return res.artifact_uri;
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.post('registered-models/alias', { name, alias, version: String(version) }, S.Empty);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const res = await this.get('registered-models/alias', { name, alias }, S.ModelVersionRes);
    return toModelVersion(res.model_version);
  }
}
