import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type ArtifactContext, fileUri, localPathFromUri } from '../artifacts/index.ts';
import { createS3Client } from '../artifacts/s3.ts';
import { BackendBase, type ExperimentOptions } from '../base.ts';
import { type BatchChunk, checkKey, parseMetricValue } from '../batch.ts';
import type { MlflowConfig } from '../config.ts';
import { mlflowError } from '../errors.ts';
import { matchesAll, paginate, parseEqualityFilter, sortBy } from '../search.ts';
import type {
  CreateModelVersionOptions,
  CreateRunInput,
  Experiment,
  Metric,
  Mlmodel,
  ModelStage,
  ModelVersion,
  Page,
  RegisteredModel,
  Run,
  RunStatus,
  SearchInput,
  SearchRunsInput,
} from '../types.ts';
import { listDirs, readKeyValues, readText, readYaml, writeAtomic, writeYaml } from './fs.ts';
import { LocalRegistry } from './registry.ts';

// MLflow's FileStore keeps RunStatus as its protobuf number.
const STATUS_NUM: Record<RunStatus, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const STATUS_NAME = Object.fromEntries(Object.entries(STATUS_NUM).map(([k, v]) => [v, k])) as Record<
  number,
  RunStatus
>;

interface ExperimentMeta {
  artifact_location: string;
  creation_time?: number;
  experiment_id: string;
  last_update_time?: number;
  lifecycle_stage: string;
  name: string;
}
interface RunMeta {
  artifact_uri: string;
  end_time: number | null;
  entry_point_name: string;
  experiment_id: string;
  lifecycle_stage: string;
  run_id: string;
  run_name: string;
  run_uuid: string;
  source_name: string;
  source_type: number;
  source_version: string;
  start_time: number;
  status: number;
  tags: unknown[];
  user_id: string;
}

/**
 * The embedded backend (`MLFLOW_TRACKING_URI=file:./mlruns` or unset), in MLflow's FileStore layout so
 * `mlflow ui --backend-store-uri ./mlruns` can read it:
 * `<root>/<exp>/meta.yaml`, `<root>/<exp>/<run>/{meta.yaml,params,metrics,tags,artifacts}`,
 * `<root>/models/<name>/{meta.yaml,tags,aliases,version-<n>/{meta.yaml,tags}}`.
 */
export class LocalBackend extends BackendBase {
  readonly root: string;
  protected readonly artifacts: ArtifactContext;
  private s3?: S3Client;
  private ready?: Promise<void>;
  private readonly registry: LocalRegistry;

  constructor(
    readonly trackingUri: string,
    config: MlflowConfig,
  ) {
    super();
    this.root = localPathFromUri(trackingUri);
    this.registry = new LocalRegistry(this.root);
    this.artifacts = {
      s3: () => {
        this.s3 ??= createS3Client({ ...config.s3, maxRetries: config.maxRetries });
        return this.s3;
      },
      partSizeBytes: config.s3.partSizeBytes,
    };
  }

  /** Creates the Default experiment (id 0) the first time, as MLflow's FileStore does. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      if (await readYaml(path.join(this.root, '0', 'meta.yaml'))) return;
      const now = Date.now();
      await writeYaml(path.join(this.root, '0', 'meta.yaml'), {
        artifact_location: fileUri(path.join(this.root, '0')),
        creation_time: now,
        experiment_id: '0',
        last_update_time: now,
        lifecycle_stage: 'active',
        name: 'Default',
      } satisfies ExperimentMeta);
    })();
    return this.ready;
  }

  // ---------- experiments ----------

  private async experimentDir(
    experimentId: string,
  ): Promise<{ dir: string; meta: ExperimentMeta } | undefined> {
    await this.init();
    if (!/^\d+$/.test(experimentId)) return undefined;
    for (const dir of [path.join(this.root, experimentId), path.join(this.root, '.trash', experimentId)]) {
      const meta = await readYaml<ExperimentMeta>(path.join(dir, 'meta.yaml'));
      if (meta) return { dir, meta };
    }
    return undefined;
  }

  private async toExperiment(dir: string, meta: ExperimentMeta): Promise<Experiment> {
    return {
      experimentId: String(meta.experiment_id),
      name: meta.name,
      artifactLocation: meta.artifact_location,
      lifecycleStage: meta.lifecycle_stage,
      ...(meta.creation_time ? { creationTime: meta.creation_time } : {}),
      ...(meta.last_update_time ? { lastUpdateTime: meta.last_update_time } : {}),
      tags: await readKeyValues(path.join(dir, 'tags')),
    };
  }

  private async allExperimentIds(): Promise<string[]> {
    await this.init();
    const ids = [...(await listDirs(this.root)), ...(await listDirs(path.join(this.root, '.trash')))];
    return ids.filter((d) => /^\d+$/.test(d));
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    for (const id of await this.allExperimentIds()) {
      const found = await this.experimentDir(id);
      if (found && found.meta.name === name) return this.toExperiment(found.dir, found.meta);
    }
    return undefined;
  }

  async createExperiment(name: string, options: ExperimentOptions = {}): Promise<string> {
    if (!name || name.length > 500) {
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid experiment name: '${name}'; expected 1-500 characters`,
      );
    }
    if (await this.getExperimentByName(name)) {
      throw mlflowError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    }
    const ids = (await this.allExperimentIds()).map(Number);
    const id = String(Math.max(0, ...ids) + 1);
    const dir = path.join(this.root, id);
    const now = Date.now();
    for (const [key, value] of Object.entries(options.tags ?? {}))
      await writeAtomic(path.join(dir, 'tags', key), value);
    await writeYaml(path.join(dir, 'meta.yaml'), {
      artifact_location: options.artifactLocation ?? fileUri(dir),
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    } satisfies ExperimentMeta);
    return id;
  }

  protected async restoreExperiment(experimentId: string): Promise<void> {
    const found = await this.experimentDir(experimentId);
    if (!found)
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${experimentId}`);
    const target = path.join(this.root, experimentId);
    if (found.dir !== target) await rename(found.dir, target);
    await writeYaml(path.join(target, 'meta.yaml'), { ...found.meta, lifecycle_stage: 'active' });
  }

  // ---------- runs ----------

  private async runDir(runId: string): Promise<{ dir: string; meta: RunMeta }> {
    if (/^[\w-]+$/.test(runId)) {
      for (const id of await this.allExperimentIds()) {
        const found = await this.experimentDir(id);
        if (!found) continue;
        const dir = path.join(found.dir, runId);
        const meta = await readYaml<RunMeta>(path.join(dir, 'meta.yaml'));
        if (meta) return { dir, meta };
      }
    }
    throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
  }

  private async readRun(dir: string, meta: RunMeta): Promise<Run> {
    const metrics: Record<string, number> = {};
    const history = await readKeyValues(path.join(dir, 'metrics'));
    for (const [key, text] of Object.entries(history)) {
      // Latest = highest step, then latest timestamp (MLflow's rule).
      let best: Metric | undefined;
      for (const m of parseMetricLines(key, text)) {
        if (!best || m.step > best.step || (m.step === best.step && m.timestamp >= best.timestamp)) best = m;
      }
      if (best) metrics[key] = best.value;
    }
    const status = STATUS_NAME[meta.status] ?? 'RUNNING';
    return {
      info: {
        runId: meta.run_id,
        experimentId: String(meta.experiment_id),
        ...(meta.run_name ? { runName: meta.run_name } : {}),
        status,
        startTime: meta.start_time,
        ...(meta.end_time ? { endTime: meta.end_time } : {}),
        artifactUri: meta.artifact_uri,
        lifecycleStage: meta.lifecycle_stage,
        ...(meta.user_id ? { userId: meta.user_id } : {}),
      },
      data: {
        metrics,
        params: await readKeyValues(path.join(dir, 'params')),
        tags: await readKeyValues(path.join(dir, 'tags')),
      },
    };
  }

  protected async createRunRaw(input: CreateRunInput & { startTime: number; tags: Record<string, string> }) {
    const exp = await this.experimentDir(String(input.experimentId));
    if (!exp)
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${input.experimentId}`);
    if (exp.meta.lifecycle_stage !== 'active') {
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `The experiment ${input.experimentId} must be in the 'active' state.`,
      );
    }
    const runId = randomUUID().replaceAll('-', '');
    const dir = path.join(exp.dir, runId);
    const runName = input.runName ?? input.tags['mlflow.runName'] ?? `run-${runId.slice(0, 8)}`;
    const meta: RunMeta = {
      artifact_uri: `${exp.meta.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`,
      end_time: null,
      entry_point_name: '',
      experiment_id: String(input.experimentId),
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: runName,
      run_uuid: runId,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: input.startTime,
      status: STATUS_NUM.RUNNING,
      tags: [],
      user_id: input.tags['mlflow.user'] ?? '',
    };
    await mkdir(path.join(dir, 'artifacts'), { recursive: true });
    for (const [key, value] of Object.entries({ ...input.tags, 'mlflow.runName': runName })) {
      checkKey('tag', key);
      await writeAtomic(path.join(dir, 'tags', key), value);
    }
    await writeYaml(path.join(dir, 'meta.yaml'), meta);
    return this.readRun(dir, meta);
  }

  protected async logBatchChunk(runId: string, chunk: BatchChunk): Promise<void> {
    const { dir, meta } = await this.runDir(runId);
    if (meta.lifecycle_stage !== 'active') {
      throw mlflowError('INVALID_PARAMETER_VALUE', `The run ${runId} must be in the 'active' state.`);
    }
    for (const p of chunk.params) {
      const file = path.join(dir, 'params', p.key);
      const existing = await readText(file);
      if (existing !== undefined && existing !== p.value) {
        throw mlflowError(
          'INVALID_PARAMETER_VALUE',
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
        );
      }
      if (existing === undefined) await writeAtomic(file, p.value);
    }
    for (const t of chunk.tags) await writeAtomic(path.join(dir, 'tags', t.key), t.value);
    const byKey = new Map<string, string[]>();
    for (const m of chunk.metrics) {
      const lines = byKey.get(m.key) ?? [];
      lines.push(`${m.timestamp} ${m.value} ${m.step}`);
      byKey.set(m.key, lines);
    }
    for (const [key, lines] of byKey) {
      const file = path.join(dir, 'metrics', key);
      // Identical points are skipped (as the SQL store does), so a retried batch leaves no duplicates.
      const existing = new Set(((await readText(file)) ?? '').split('\n'));
      const fresh = lines.filter((l) => !existing.has(l));
      if (fresh.length === 0) continue;
      await mkdir(path.dirname(file), { recursive: true });
      await appendFile(file, `${fresh.join('\n')}\n`);
    }
    if (chunk.tags.some((t) => t.key === 'mlflow.runName')) {
      const name = chunk.tags.find((t) => t.key === 'mlflow.runName')!.value;
      await writeYaml(path.join(dir, 'meta.yaml'), { ...meta, run_name: name });
    }
  }

  protected async updateRun(runId: string, status: string, endTime: number): Promise<void> {
    const { dir, meta } = await this.runDir(runId);
    await writeYaml(path.join(dir, 'meta.yaml'), {
      ...meta,
      status: STATUS_NUM[status as RunStatus],
      end_time: endTime,
    });
  }

  async getRun(runId: string): Promise<Run> {
    const { dir, meta } = await this.runDir(runId);
    return this.readRun(dir, meta);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const clauses = parseEqualityFilter(input.filter);
    const view = input.runViewType ?? 'ACTIVE_ONLY';
    const runs: Run[] = [];
    for (const expId of input.experimentIds) {
      const exp = await this.experimentDir(String(expId));
      if (!exp) continue;
      for (const runId of await listDirs(exp.dir)) {
        if (runId === 'tags') continue;
        const meta = await readYaml<RunMeta>(path.join(exp.dir, runId, 'meta.yaml'));
        if (!meta) continue;
        if (view === 'ACTIVE_ONLY' && meta.lifecycle_stage !== 'active') continue;
        if (view === 'DELETED_ONLY' && meta.lifecycle_stage !== 'deleted') continue;
        const run = await this.readRun(path.join(exp.dir, runId), meta);
        if (matchesAll(clauses, (key) => runField(run, key))) runs.push(run);
      }
    }
    const sorted = sortBy(runs, ['start_time DESC'], (r, k) => runField(r, k));
    return paginate(sorted, input.maxResults ?? 1000, input.pageToken);
  }

  protected async recordLoggedModel(runId: string, mlmodel: Mlmodel): Promise<void> {
    const { dir } = await this.runDir(runId);
    const file = path.join(dir, 'tags', 'mlflow.log-model.history');
    const history = JSON.parse((await readText(file)) ?? '[]') as unknown[];
    const { signature: _s, saved_input_example_info: _e, ...summary } = mlmodel;
    history.push(summary);
    await writeAtomic(file, JSON.stringify(history));
  }

  // ---------- registry (LocalRegistry, in MLflow's FileStore model-registry layout) ----------

  protected createRegisteredModelRaw(
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<RegisteredModel> {
    return this.registry.createRegisteredModel(name, options);
  }
  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.registry.getRegisteredModel(name);
  }
  searchRegisteredModels(input?: SearchInput): Promise<Page<RegisteredModel>> {
    return this.registry.searchRegisteredModels(input);
  }
  protected createModelVersionRaw(
    name: string,
    source: string,
    runId: string | undefined,
    options: CreateModelVersionOptions,
  ): Promise<ModelVersion> {
    return this.registry.createModelVersion(name, source, runId, options);
  }
  getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return this.registry.getModelVersion(name, version);
  }
  searchModelVersions(input?: SearchInput): Promise<Page<ModelVersion>> {
    return this.registry.searchModelVersions(input);
  }
  setModelVersionTag(name: string, version: string | number, key: string, value: string): Promise<void> {
    return this.registry.setModelVersionTag(name, version, key, value);
  }
  protected transitionStageRaw(
    name: string,
    version: string,
    stage: ModelStage,
    archiveExisting: boolean,
  ): Promise<ModelVersion> {
    return this.registry.transitionStage(name, version, stage, archiveExisting);
  }
  getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]> {
    return this.registry.getLatestVersions(name, stages);
  }
  getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    return this.registry.getModelVersionDownloadUri(name, version);
  }
  setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    return this.registry.setRegisteredModelAlias(name, alias, version);
  }
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.registry.getModelVersionByAlias(name, alias);
  }
}

function parseMetricLines(key: string, text: string): Metric[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [ts, value, step] = line.trim().split(/\s+/);
      return { key, value: parseMetricValue(value ?? 'NaN'), timestamp: Number(ts), step: Number(step ?? 0) };
    });
}

/** A run's value for a filter or sort key: `tags.x`, `params.x`, `metrics.x` or an attribute such as `status`. */
function runField(run: Run, key: string): string | number | undefined {
  const dot = key.indexOf('.');
  const type = dot > 0 ? key.slice(0, dot) : '';
  const name = key.slice(dot + 1);
  if (type === 'metrics') return run.data.metrics[name];
  if (type === 'params') return run.data.params[name];
  if (type === 'tags') return run.data.tags[name];
  switch (key) {
    case 'run_id':
      return run.info.runId;
    case 'run_name':
      return run.info.runName ?? run.data.tags['mlflow.runName'];
    case 'status':
      return run.info.status;
    case 'start_time':
      return run.info.startTime;
    case 'end_time':
      return run.info.endTime;
    case 'artifact_uri':
      return run.info.artifactUri;
    case 'user_id':
      return run.info.userId;
    default:
      return undefined;
  }
}
