import { z } from 'zod';

// Every field optional except ids: MLflow omits unset/empty fields (reference §1).
const num = z.coerce.number();
const tag = z.object({ key: z.string(), value: z.string().optional() });
export const TagList = z.array(tag).optional();

export const ExperimentWire = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.string().optional(),
  creation_time: num.optional(),
  last_update_time: num.optional(),
  tags: TagList,
});

export const RunInfoWire = z.object({
  run_id: z.string().optional(),
  run_uuid: z.string().optional(),
  experiment_id: z.string(),
  run_name: z.string().optional(),
  user_id: z.string().optional(),
  status: z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']).optional(),
  start_time: num.optional(),
  end_time: num.optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: z.string().optional(),
});

export const MetricWire = z.object({
  key: z.string(),
  value: z.union([z.number(), z.string()]),
  timestamp: num.optional(),
  step: num.optional(),
});

export const RunWire = z.object({
  info: RunInfoWire,
  data: z
    .object({
      metrics: z.array(MetricWire).optional(),
      params: TagList,
      tags: TagList,
    })
    .optional(),
});

export const ModelVersionWire = z.object({
  name: z.string(),
  version: z.coerce.string(),
  creation_timestamp: num.optional(),
  last_updated_timestamp: num.optional(),
  current_stage: z.string().optional(),
  description: z.string().optional(),
  source: z.string().optional(),
  run_id: z.string().optional(),
  run_link: z.string().optional(),
  status: z.enum(['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY']).optional(),
  status_message: z.string().optional(),
  tags: TagList,
  aliases: z.array(z.string()).optional(),
});

export const RegisteredModelWire = z.object({
  name: z.string(),
  creation_timestamp: num.optional(),
  last_updated_timestamp: num.optional(),
  description: z.string().optional(),
  latest_versions: z.array(ModelVersionWire).optional(),
  tags: TagList,
  aliases: z.array(z.object({ alias: z.string(), version: z.coerce.string() })).optional(),
});

export const Empty = z.object({}).passthrough();
export const CreateExperimentRes = z.object({ experiment_id: z.string() });
export const ExperimentRes = z.object({ experiment: ExperimentWire });
export const RunRes = z.object({ run: RunWire });
export const SearchRunsRes = z.object({
  runs: z.array(RunWire).optional(),
  next_page_token: z.string().optional(),
});
export const RegisteredModelRes = z.object({ registered_model: RegisteredModelWire });
export const SearchRegisteredModelsRes = z.object({
  registered_models: z.array(RegisteredModelWire).optional(),
  next_page_token: z.string().optional(),
});
export const ModelVersionRes = z.object({ model_version: ModelVersionWire });
export const SearchModelVersionsRes = z.object({
  model_versions: z.array(ModelVersionWire).optional(),
  next_page_token: z.string().optional(),
});
export const LatestVersionsRes = z.object({ model_versions: z.array(ModelVersionWire).optional() });
export const DownloadUriRes = z.object({ artifact_uri: z.string() });
