import { randomUUID } from 'node:crypto';

/** What the fake server stores; names and shapes follow MLflow's protobuf messages. */
export interface KV {
  key: string;
  value: string;
}
export interface ExperimentRow {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: Map<string, string>;
}
export interface MetricRow {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}
export interface RunRow {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: Map<string, MetricRow[]>;
}
export interface VersionRow {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  run_link: string;
  status: 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION';
  user_id: string;
  tags: Map<string, string>;
  /** Polls left before a PENDING_REGISTRATION version turns READY. */
  pendingPolls: number;
}
export interface ModelRow {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  tags: Map<string, string>;
  aliases: Map<string, number>;
  versions: Map<number, VersionRow>;
}

export class MlflowState {
  experiments = new Map<string, ExperimentRow>();
  runs = new Map<string, RunRow>();
  models = new Map<string, ModelRow>();
  /** New model versions start PENDING_REGISTRATION for this many model-versions/get polls (0: READY at once). */
  pendingPolls = 0;
  /** Lists `<artifact root>/<path>` the way the server's own artifact repository would (set by the server). */
  listArtifacts: (
    rootUri: string,
    path: string,
  ) => Promise<{ path: string; isDir: boolean; fileSize?: number }[]> = async () => [];
  private nextExperimentId = 1;

  constructor(readonly artifactRoot: string) {
    this.addExperiment('Default', '0');
  }

  addExperiment(
    name: string,
    id = String(this.nextExperimentId++),
    artifactLocation?: string,
  ): ExperimentRow {
    const now = Date.now();
    const row: ExperimentRow = {
      experiment_id: id,
      name,
      artifact_location: artifactLocation ?? `${this.artifactRoot.replace(/\/+$/, '')}/${id}`,
      lifecycle_stage: 'active',
      creation_time: now,
      last_update_time: now,
      tags: new Map(),
    };
    this.experiments.set(id, row);
    return row;
  }

  newRunId(): string {
    return randomUUID().replaceAll('-', '');
  }
}

export const kvList = (m: Map<string, string>): KV[] => [...m].map(([key, value]) => ({ key, value }));

/** Drops what MLflow's protobuf→JSON omits: undefined/null and empty lists. `""` and `{}` are kept. */
export function omitEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(omitEmpty);
  if (value && typeof value === 'object' && !(value instanceof Buffer)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v) && v.length === 0) continue;
      out[k] = omitEmpty(v);
    }
    return out;
  }
  return value;
}

export function metricJson(m: MetricRow) {
  const v = m.value;
  // MLflow answers NaN as the string "NaN" and ±Infinity as ±DBL_MAX.
  const value =
    v === 'NaN' || (typeof v === 'number' && Number.isNaN(v))
      ? 'NaN'
      : v === 'Infinity' || v === Number.POSITIVE_INFINITY
        ? 1.7976931348623157e308
        : v === '-Infinity' || v === Number.NEGATIVE_INFINITY
          ? -1.7976931348623157e308
          : Number(v);
  return { key: m.key, value, timestamp: m.timestamp, step: m.step };
}

export function runInfoJson(r: RunRow) {
  return {
    run_uuid: r.run_id,
    run_name: r.run_name,
    experiment_id: r.experiment_id,
    user_id: r.user_id,
    status: r.status,
    start_time: r.start_time,
    end_time: r.end_time,
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage,
    run_id: r.run_id,
  };
}

export function latestMetrics(r: RunRow): MetricRow[] {
  return [...r.metrics.values()].map((history) =>
    history.reduce((best, m) =>
      m.step > best.step || (m.step === best.step && m.timestamp >= best.timestamp) ? m : best,
    ),
  );
}

export function runJson(r: RunRow, withInputs: boolean) {
  return {
    info: runInfoJson(r),
    data: { metrics: latestMetrics(r).map(metricJson), params: kvList(r.params), tags: kvList(r.tags) },
    ...(withInputs ? { inputs: {} } : {}),
  };
}

export function versionJson(model: ModelRow, v: VersionRow) {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creation_timestamp,
    last_updated_timestamp: v.last_updated_timestamp,
    user_id: v.user_id,
    current_stage: v.current_stage,
    description: v.description,
    source: v.source,
    run_id: v.run_id,
    status: v.status,
    tags: kvList(v.tags),
    run_link: v.run_link,
    aliases: [...model.aliases]
      .filter(([, n]) => n === v.version)
      .map(([a]) => a)
      .sort(),
  };
}

export function latestVersions(model: ModelRow, stages?: string[]): VersionRow[] {
  const latest = new Map<string, VersionRow>();
  for (const v of [...model.versions.values()].sort((a, b) => a.version - b.version))
    latest.set(v.current_stage, v);
  const all = [...latest.values()];
  if (!stages || stages.length === 0) return all;
  const wanted = stages.map((s) => s.toLowerCase());
  return all.filter((v) => wanted.includes(v.current_stage.toLowerCase()));
}

export function modelJson(model: ModelRow) {
  return {
    name: model.name,
    creation_timestamp: model.creation_timestamp,
    last_updated_timestamp: model.last_updated_timestamp,
    description: model.description || undefined,
    latest_versions: latestVersions(model).map((v) => versionJson(model, v)),
    tags: kvList(model.tags),
    aliases: [...model.aliases].map(([alias, version]) => ({ alias, version: String(version) })),
  };
}
