import type { MlflowBackend } from '@covertype/mlflow';
import type { DataApiClient } from './data-api-client.ts';
import type { TableStore } from './store/types.ts';
import type { SearchPresetName } from './tasks/search.ts';

/** Settings the tasks read; the trainer fills them from its validated config. */
export interface PipelineSettings {
  groups: number[];
  modelName: string;
  experimentName: string;
  searchPreset: SearchPresetName;
  /** Overrides the preset's k-fold count when set. */
  cvFolds?: number | undefined;
  testFraction: number;
  splitSeed: number;
  pollIntervalMs: number;
  /** Worker threads for the searches (0 = the learner's default). */
  workers: number;
  /** Most µs per row (single-row requests) a new champion may cost in onnxruntime; 0 = no budget. */
  servingBudgetUs?: number | undefined;
}

/** What every task of the covertype DAG gets: storage, registry, data source and settings. */
export interface PipelineEnv {
  store: TableStore;
  mlflow: MlflowBackend;
  dataApi: DataApiClient;
  settings: PipelineSettings;
}
