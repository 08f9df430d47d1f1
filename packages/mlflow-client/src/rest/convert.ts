import type { z } from 'zod';
import { parseMetricValue } from '../batch.ts';
import type { Experiment, ModelVersion, RegisteredModel, Run } from '../types.ts';
import type { ExperimentWire, ModelVersionWire, RegisteredModelWire, RunWire, TagList } from './schemas.ts';

/** MLflow sends "" for strings the store holds empty (user_id, run_id, run_link, description): treat as absent. */
const present = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);

export function tagsToRecord(tags: z.output<typeof TagList>): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.key, t.value ?? '']));
}

export function recordToTags(tags: Record<string, string> | undefined): { key: string; value: string }[] {
  return Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));
}

function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

export function toExperiment(e: z.output<typeof ExperimentWire>): Experiment {
  return defined({
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location ?? '',
    lifecycleStage: e.lifecycle_stage ?? 'active',
    creationTime: e.creation_time,
    lastUpdateTime: e.last_update_time,
    tags: tagsToRecord(e.tags),
  });
}

export function toRun(r: z.output<typeof RunWire>): Run {
  const i = r.info;
  return {
    info: defined({
      runId: (i.run_id ?? i.run_uuid)!,
      experimentId: i.experiment_id,
      runName: present(i.run_name),
      status: i.status ?? 'RUNNING',
      startTime: i.start_time,
      endTime: i.end_time,
      artifactUri: i.artifact_uri ?? '',
      lifecycleStage: i.lifecycle_stage ?? 'active',
      userId: present(i.user_id),
    }),
    data: {
      metrics: Object.fromEntries((r.data?.metrics ?? []).map((m) => [m.key, parseMetricValue(m.value)])),
      params: tagsToRecord(r.data?.params),
      tags: tagsToRecord(r.data?.tags),
    },
  };
}

export function toModelVersion(v: z.output<typeof ModelVersionWire>): ModelVersion {
  return defined({
    name: v.name,
    version: v.version,
    creationTimestamp: v.creation_timestamp,
    lastUpdatedTimestamp: v.last_updated_timestamp,
    currentStage: v.current_stage ?? 'None',
    description: present(v.description),
    source: v.source ?? '',
    runId: present(v.run_id),
    runLink: present(v.run_link),
    status: v.status ?? 'READY',
    statusMessage: present(v.status_message),
    tags: tagsToRecord(v.tags),
    aliases: v.aliases ?? [],
  });
}

export function toRegisteredModel(m: z.output<typeof RegisteredModelWire>): RegisteredModel {
  return defined({
    name: m.name,
    creationTimestamp: m.creation_timestamp,
    lastUpdatedTimestamp: m.last_updated_timestamp,
    description: present(m.description),
    latestVersions: (m.latest_versions ?? []).map(toModelVersion),
    tags: tagsToRecord(m.tags),
    aliases: Object.fromEntries((m.aliases ?? []).map((a) => [a.alias, a.version])),
  });
}
