import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pRetry from 'p-retry';
import {
  type ArtifactContext,
  artifactRepository,
  downloadTree,
  joinArtifactPath,
  uploadDirectory,
} from './artifacts/index.ts';
import type { ArtifactRepository } from './artifacts/repository.ts';
import { type BatchChunk, chunkBatch } from './batch.ts';
import { isMlflowError, MlflowError } from './errors.ts';
import { writeOnnxModelDir } from './mlmodel.ts';
import type {
  CreateModelVersionOptions,
  CreateRunInput,
  Experiment,
  FileInfo,
  LogBatchInput,
  LoggedModel,
  MlflowBackend,
  Mlmodel,
  ModelStage,
  ModelVersion,
  OnnxModelInput,
  Page,
  RegisteredModel,
  Run,
  SearchInput,
  SearchRunsInput,
} from './types.ts';
import { MODEL_STAGES } from './types.ts';
import { currentUser } from './user.ts';

/** A model version still registering: the poll in createModelVersion tries again. */
class StillPending extends Error {}

export type ExperimentOptions = { artifactLocation?: string; tags?: Record<string, string> };

/** What the REST and local backends share: everything built on top of the store primitives. */
export abstract class BackendBase implements MlflowBackend {
  abstract readonly trackingUri: string;
  protected abstract readonly artifacts: ArtifactContext;

  abstract getExperimentByName(name: string): Promise<Experiment | undefined>;
  abstract createExperiment(name: string, options?: ExperimentOptions): Promise<string>;
  protected abstract restoreExperiment(experimentId: string): Promise<void>;
  protected abstract createRunRaw(
    input: CreateRunInput & { startTime: number; tags: Record<string, string> },
  ): Promise<Run>;
  protected abstract logBatchChunk(runId: string, chunk: BatchChunk): Promise<void>;
  protected abstract updateRun(runId: string, status: string, endTime: number): Promise<void>;
  abstract getRun(runId: string): Promise<Run>;
  abstract searchRuns(input: SearchRunsInput): Promise<Page<Run>>;
  /** Records a logged model on the run (REST: runs/log-model; local: the mlflow.log-model.history tag). */
  protected abstract recordLoggedModel(runId: string, mlmodel: Mlmodel): Promise<void>;
  protected abstract createRegisteredModelRaw(
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<RegisteredModel>;
  abstract getRegisteredModel(name: string): Promise<RegisteredModel>;
  abstract searchRegisteredModels(input?: SearchInput): Promise<Page<RegisteredModel>>;
  protected abstract createModelVersionRaw(
    name: string,
    source: string,
    runId: string | undefined,
    options: CreateModelVersionOptions,
  ): Promise<ModelVersion>;
  abstract getModelVersion(name: string, version: string | number): Promise<ModelVersion>;
  abstract searchModelVersions(input?: SearchInput): Promise<Page<ModelVersion>>;
  abstract setModelVersionTag(
    name: string,
    version: string | number,
    key: string,
    value: string,
  ): Promise<void>;
  protected abstract transitionStageRaw(
    name: string,
    version: string,
    stage: ModelStage,
    archiveExisting: boolean,
  ): Promise<ModelVersion>;
  abstract getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]>;
  abstract getModelVersionDownloadUri(name: string, version: string | number): Promise<string>;
  abstract setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void>;
  abstract getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /** The tracking server's MLflow version, where it tells (REST `GET /version`); undefined otherwise. */
  async serverVersion(): Promise<string | undefined> {
    return undefined;
  }

  async getOrCreateExperiment(name: string, options?: ExperimentOptions): Promise<string> {
    const existing = await this.getExperimentByName(name);
    if (existing) {
      if (existing.lifecycleStage === 'deleted') await this.restoreExperiment(existing.experimentId);
      return existing.experimentId;
    }
    try {
      return await this.createExperiment(name, options);
    } catch (err) {
      // Another process created it between our lookup and create.
      if (!isMlflowError(err, 'RESOURCE_ALREADY_EXISTS')) throw err;
      const raced = await this.getExperimentByName(name);
      if (!raced) throw err;
      return raced.experimentId;
    }
  }

  createRun(input: CreateRunInput): Promise<Run> {
    const tags: Record<string, string> = { ...input.tags };
    if (input.parentRunId) tags['mlflow.parentRunId'] = input.parentRunId;
    if (input.runName) tags['mlflow.runName'] = input.runName;
    if (!tags['mlflow.user']) tags['mlflow.user'] = currentUser();
    if (!tags['mlflow.source.type']) tags['mlflow.source.type'] = 'LOCAL';
    if (!tags['mlflow.source.name'] && process.argv[1]) tags['mlflow.source.name'] = process.argv[1];
    return this.createRunRaw({ ...input, startTime: input.startTime ?? Date.now(), tags });
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    for (const chunk of chunkBatch(batch)) await this.logBatchChunk(runId, chunk);
  }

  async setTerminated(
    runId: string,
    status: 'FINISHED' | 'FAILED' | 'KILLED' = 'FINISHED',
    endTime = Date.now(),
  ) {
    await this.updateRun(runId, status, endTime);
  }

  protected repository(uri: string): ArtifactRepository {
    return artifactRepository(uri, this.artifacts);
  }

  protected async runRepository(runId: string): Promise<ArtifactRepository> {
    const run = await this.getRun(runId);
    return this.repository(run.info.artifactUri);
  }

  async logArtifact(runId: string, localFile: string, artifactPath?: string): Promise<void> {
    const repo = await this.runRepository(runId);
    await repo.uploadFile(localFile, joinArtifactPath(artifactPath, path.basename(localFile)));
  }

  async logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void> {
    const repo = await this.runRepository(runId);
    await uploadDirectory(repo, localDir, artifactPath);
  }

  async listArtifacts(runId: string, artifactPath = ''): Promise<FileInfo[]> {
    const repo = await this.runRepository(runId);
    return repo.list(artifactPath);
  }

  async downloadArtifacts(
    source: { runId: string; path?: string } | { artifactUri: string },
    dstDir: string,
  ): Promise<string> {
    if ('runId' in source) {
      const repo = await this.runRepository(source.runId);
      return downloadTree(repo, source.path ?? '', dstDir);
    }
    const uri = await this.concreteArtifactUri(source.artifactUri);
    // Download the URI's last segment into dstDir, as MLflow's download_artifacts(artifact_uri=…) does.
    const trimmed = uri.replace(/\/+$/, '');
    const cut = trimmed.lastIndexOf('/');
    const parent = cut > trimmed.indexOf(':') + 2 ? trimmed.slice(0, cut) : trimmed;
    const leaf = parent === trimmed ? '' : trimmed.slice(cut + 1);
    return downloadTree(this.repository(parent), leaf, dstDir);
  }

  /** `runs:/<id>/<path>` → the run's artifact URI + path; other URIs unchanged. */
  async concreteArtifactUri(uri: string): Promise<string> {
    const match = /^runs:\/+([^/]+)\/?(.*)$/.exec(uri);
    if (!match) return uri;
    const run = await this.getRun(match[1]!);
    const rel = joinArtifactPath(match[2]);
    return rel ? `${run.info.artifactUri.replace(/\/+$/, '')}/${rel}` : run.info.artifactUri;
  }

  async logOnnxModel(runId: string, artifactPath: string, model: OnnxModelInput): Promise<LoggedModel> {
    const rel = joinArtifactPath(artifactPath);
    if (!rel) throw new TypeError('logOnnxModel: artifactPath must not be empty (e.g. "model")');
    const run = await this.getRun(runId);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'mlflow-model-'));
    try {
      const mlflowVersion = await this.serverVersion();
      const mlmodel = await writeOnnxModelDir(tmp, model, {
        runId,
        artifactPath: rel,
        ...(mlflowVersion ? { mlflowVersion } : {}),
      });
      await uploadDirectory(this.repository(run.info.artifactUri), tmp, rel);
      await this.recordLoggedModel(runId, mlmodel);
      return {
        artifactUri: `${run.info.artifactUri.replace(/\/+$/, '')}/${rel}`,
        runsUri: `runs:/${runId}/${rel}`,
        mlmodel,
      };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async createRegisteredModel(
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<RegisteredModel> {
    try {
      return await this.createRegisteredModelRaw(name, options);
    } catch (err) {
      if (isMlflowError(err, 'RESOURCE_ALREADY_EXISTS')) return this.getRegisteredModel(name);
      throw err;
    }
  }

  async createModelVersion(
    name: string,
    source: string,
    runId?: string,
    options: CreateModelVersionOptions = {},
  ): Promise<ModelVersion> {
    // MLflow stores a runs:/ source verbatim; the Python client rewrites it to the concrete URI first.
    const concrete = await this.concreteArtifactUri(source);
    const effectiveRunId = runId ?? /^runs:\/+([^/]+)/.exec(source)?.[1];
    const created = await this.createModelVersionRaw(name, concrete, effectiveRunId, options);
    const waitMs = options.awaitReadyMs ?? 300_000;
    const version =
      created.status !== 'PENDING_REGISTRATION'
        ? created
        : await pRetry(
            async () => {
              const polled = await this.getModelVersion(name, created.version);
              if (polled.status === 'PENDING_REGISTRATION') throw new StillPending();
              return polled;
            },
            // Poll every 200 ms, doubling up to 5 s, until awaitReadyMs has passed; errors are not retried here.
            {
              retries: Number.POSITIVE_INFINITY,
              minTimeout: 200,
              maxTimeout: 5000,
              maxRetryTime: waitMs,
              shouldConsumeRetry: ({ error }) => error instanceof StillPending,
              shouldRetry: ({ error }) => error instanceof StillPending,
            },
          ).catch((err: unknown) => {
            if (!(err instanceof StillPending)) throw err;
            throw new MlflowError(
              'DEADLINE_EXCEEDED',
              `model version ${name}/${created.version} is still PENDING_REGISTRATION`,
              504,
            );
          });
    if (version.status === 'FAILED_REGISTRATION') {
      throw new MlflowError(
        'FAILED_REGISTRATION',
        `registration of ${name} version ${version.version} failed: ${version.statusMessage ?? 'no message'}`,
        500,
      );
    }
    return version;
  }

  async transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: ModelStage,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    const canonical = MODEL_STAGES.find((s) => s.toLowerCase() === String(stage).toLowerCase());
    if (!canonical) {
      throw new TypeError(
        `invalid stage ${JSON.stringify(stage)}: expected one of ${MODEL_STAGES.join(', ')}`,
      );
    }
    // MLflow answers a permanent 500 for archive_existing_versions with Archived/None; refuse it here.
    const archive = archiveExistingVersions && (canonical === 'Staging' || canonical === 'Production');
    return this.transitionStageRaw(name, String(version), canonical, archive);
  }
}
