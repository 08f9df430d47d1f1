import type { MlflowBackend } from '@covertype/mlflow';
import type { DataApiClient } from '../clients/data-api-client.ts';
import type { TableStore } from '../store/types.ts';
import type { SearchPresetName } from './search.ts';

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
  /** Worker threads for the searches (TRAIN_WORKERS; unset = the learner's default). */
  workers?: number | undefined;
  /**
   * CV accuracy a candidate may lose against the best and still be chosen for costing less to serve
   * (SEARCH_ACCURACY_TOLERANCE; 0 = the most accurate wins).
   */
  accuracyTolerance: number;
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
