import { matchesAll, paginate, parseEqualityFilter, sortBy } from '../../src/search.ts';
import {
  type Args,
  apiError,
  checkKey,
  id,
  int,
  invalid,
  list,
  str,
  strList,
  tagList,
} from './mlflow-args.ts';
import { REGISTRY_ROUTES } from './mlflow-registry-routes.ts';
import {
  kvList,
  latestMetrics,
  type MetricRow,
  type MlflowState,
  type RunRow,
  runInfoJson,
  runJson,
} from './mlflow-state.ts';

export type Handler = (args: Args, state: MlflowState) => unknown | Promise<unknown>;
export interface Route {
  methods: string[];
  handler: Handler;
  /** Enum fields: an unknown spelling silently stops body parsing there (MLflow's protobuf parser). */
  enums?: Record<string, readonly (string | number)[]>;
}

const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED', 1, 2, 3, 4, 5];
const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL', 1, 2, 3];
const STATUS_BY_NUMBER = ['', 'RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const notFound = (message: string) => apiError('RESOURCE_DOES_NOT_EXIST', message);

function experiment(state: MlflowState, experimentId: string) {
  const e = state.experiments.get(experimentId);
  if (!e) throw notFound(`No Experiment with id=${experimentId} exists`);
  return e;
}
function experimentJson(e: ReturnType<typeof experiment>) {
  return { ...e, tags: kvList(e.tags) };
}
function run(state: MlflowState, runId: string): RunRow {
  const r = state.runs.get(runId);
  if (!r) throw notFound(`Run with id=${runId} not found`);
  return r;
}
function activeRun(state: MlflowState, runId: string): RunRow {
  const r = run(state, runId);
  if (r.lifecycle_stage !== 'active')
    throw invalid(`The run ${runId} must be in the 'active' state. Current state is deleted.`);
  return r;
}
function statusName(v: unknown): string | undefined {
  return typeof v === 'number' ? STATUS_BY_NUMBER[v] : (v as string | undefined);
}
/** A run's value for a filter or sort key: `tags.x`, `params.x`, `metrics.x` or an attribute such as `status`. */
function runField(r: RunRow, key: string): string | number | undefined {
  const dot = key.indexOf('.');
  const type = dot > 0 ? key.slice(0, dot) : '';
  const name = key.slice(dot + 1);
  if (type === 'metrics') {
    const m = latestMetrics(r).find((x) => x.key === name);
    return m === undefined ? undefined : Number(m.value);
  }
  if (type === 'params') return r.params.get(name);
  if (type === 'tags') return r.tags.get(name);
  const info = runInfoJson(r) as Record<string, unknown>;
  return info[key] as string | number | undefined;
}
const _now = () => Date.now();

function logBatch(args: Args, state: MlflowState) {
  const r = activeRun(state, str(args, 'run_id', true)!);
  const metrics = list(args, 'metrics') as Record<string, unknown>[];
  const params = list(args, 'params') as Record<string, unknown>[];
  const tags = list(args, 'tags') as Record<string, unknown>[];
  if (
    metrics.length > 1000 ||
    params.length > 100 ||
    tags.length > 100 ||
    metrics.length + params.length + tags.length > 1000
  ) {
    throw invalid(
      `A batch logging request can contain at most 1000 metrics, 100 params and 100 tags (at most 1000 entities in total); got ${metrics.length} metrics, ${params.length} params, ${tags.length} tags`,
    );
  }
  const seen = new Set<string>();
  for (const p of params) {
    const key = str(p, 'key', true)!;
    checkKey('parameter', key);
    if (seen.has(key)) throw invalid(`Duplicate parameter keys have been submitted: ['${key}'].`);
    seen.add(key);
    const value = String(p.value ?? '').slice(0, 6000);
    const old = r.params.get(key);
    if (old !== undefined && old !== value) {
      throw invalid(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${r.run_id}'. Attempted logging new value '${value}'.`,
      );
    }
  }
  const rows: MetricRow[] = metrics.map((m) => {
    const key = str(m, 'key', true)!;
    checkKey('metric', key);
    if (m.value === undefined || m.value === null)
      throw invalid("Missing value for required parameter 'value'.");
    const value = typeof m.value === 'number' ? m.value : String(m.value);
    if (
      typeof value === 'string' &&
      !['NaN', 'Infinity', '-Infinity'].includes(value) &&
      Number.isNaN(Number(value))
    ) {
      throw invalid(`Invalid value ${JSON.stringify(m.value)} for parameter 'value' supplied.`);
    }
    const timestamp = int(m, 'timestamp', { required: true })!;
    return { key, value, timestamp, step: int(m, 'step') ?? 0 };
  });
  // With >100 metrics MLflow inserts in bulk and a duplicate row fails the whole request (reference §4).
  if (rows.length > 100) {
    const dup = rows.find((m) =>
      (r.metrics.get(m.key) ?? []).some(
        (x) => x.timestamp === m.timestamp && x.step === m.step && String(x.value) === String(m.value),
      ),
    );
    if (dup) {
      throw apiError(
        'BAD_REQUEST',
        `(raised as a result of Query-invoked autoflush) IntegrityError: Duplicate entry for key '${dup.key}'`,
      );
    }
  }
  for (const p of params) r.params.set(String(p.key), String(p.value ?? '').slice(0, 6000));
  for (const t of tags) {
    const key = str(t, 'key', true)!;
    checkKey('tag', key);
    const value = String(t.value ?? '').slice(0, 8000);
    if (key === 'mlflow.runName') r.run_name = value;
    r.tags.set(key, value);
  }
  for (const m of rows) {
    const history = r.metrics.get(m.key) ?? [];
    const same = history.some(
      (x) => x.timestamp === m.timestamp && x.step === m.step && String(x.value) === String(m.value),
    );
    if (!same) history.push(m);
    r.metrics.set(m.key, history);
  }
  return {};
}

export const ROUTES: Record<string, Route> = {
  'experiments/create': {
    methods: ['POST'],
    handler: (args, state) => {
      const name = str(args, 'name', true)!;
      if (name.length > 500) throw invalid(`Experiment name exceeds the maximum length of 500 characters`);
      if ([...state.experiments.values()].some((e) => e.name === name)) {
        throw apiError(
          'RESOURCE_ALREADY_EXISTS',
          `Experiment(name=${name}) already exists. Error: (IntegrityError) UNIQUE constraint failed: experiments.name`,
        );
      }
      const e = state.addExperiment(name, undefined, str(args, 'artifact_location'));
      for (const t of tagList(args)) e.tags.set(t.key, t.value);
      return { experiment_id: e.experiment_id };
    },
  },
  'experiments/get-by-name': {
    methods: ['GET'],
    handler: (args, state) => {
      const name = str(args, 'experiment_name', true)!;
      const e = [...state.experiments.values()].find((x) => x.name === name);
      if (!e) throw notFound(`Could not find experiment with name ${name}`);
      return { experiment: experimentJson(e) };
    },
  },
  'experiments/restore': {
    methods: ['POST'],
    handler: (args, state) => {
      experiment(state, id(args, 'experiment_id', true)!).lifecycle_stage = 'active';
      return {};
    },
  },
  'runs/create': {
    methods: ['POST'],
    handler: (args, state) => {
      const experimentId = id(args, 'experiment_id');
      // The SQL store answers a missing experiment_id with a raw database error.
      if (experimentId === undefined)
        throw apiError(
          'BAD_REQUEST',
          '(sqlite3.IntegrityError) NOT NULL constraint failed: runs.experiment_id',
        );
      const e = experiment(state, experimentId);
      if (e.lifecycle_stage !== 'active')
        throw invalid(
          `The experiment ${experimentId} must be in the 'active' state. Current state is deleted.`,
        );
      const tags = tagList(args);
      const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value;
      const runName = str(args, 'run_name');
      if (runName && tagName && runName !== tagName) {
        throw invalid(
          `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${runName}', mlflow.runName='${tagName}').`,
        );
      }
      const runId = state.newRunId();
      const name = runName ?? tagName ?? `run-${runId.slice(0, 6)}`;
      const r: RunRow = {
        run_id: runId,
        experiment_id: experimentId,
        run_name: name,
        user_id: str(args, 'user_id') ?? '',
        status: 'RUNNING',
        start_time: int(args, 'start_time') ?? 0,
        artifact_uri: `${e.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`,
        lifecycle_stage: 'active',
        params: new Map(),
        tags: new Map(tags.map((t) => [t.key, t.value])),
        metrics: new Map(),
      };
      r.tags.set('mlflow.runName', name);
      state.runs.set(runId, r);
      return { run: runJson(r, false) };
    },
  },
  'runs/update': {
    methods: ['POST'],
    enums: { status: RUN_STATUSES },
    handler: (args, state) => {
      // run_id is not validated as required here: a missing one looks up id '' (→ 404, as on MLflow).
      const r = run(state, str(args, 'run_id') ?? str(args, 'run_uuid') ?? '');
      const status = statusName(args.status);
      if (status) r.status = status;
      const end = int(args, 'end_time');
      if (end !== undefined) r.end_time = end;
      const name = str(args, 'run_name');
      if (name) {
        r.run_name = name;
        r.tags.set('mlflow.runName', name);
      }
      return { run_info: runInfoJson(r) };
    },
  },
  'runs/get': {
    methods: ['GET'],
    handler: (args, state) => ({ run: runJson(run(state, str(args, 'run_id', true)!), true) }),
  },
  'runs/log-batch': { methods: ['POST'], handler: logBatch },
  'runs/log-model': {
    methods: ['POST'],
    handler: (args, state) => {
      const r = activeRun(state, str(args, 'run_id', true)!);
      let model: Record<string, unknown>;
      try {
        model = JSON.parse(str(args, 'model_json', true)!);
      } catch {
        throw invalid("Malformed model info. \n 'model_json' must be valid JSON");
      }
      for (const key of ['artifact_path', 'flavors', 'utc_time_created', 'run_id']) {
        if (!(key in model)) throw invalid(`Model json is missing mandatory fields: ['${key}']`);
      }
      const history = JSON.parse(r.tags.get('mlflow.log-model.history') ?? '[]') as unknown[];
      history.push(model);
      r.tags.set('mlflow.log-model.history', JSON.stringify(history));
      return {};
    },
  },
  'artifacts/list': {
    methods: ['GET'],
    handler: async (args, state) => {
      const r = run(state, str(args, 'run_id', true) ?? str(args, 'run_uuid', true)!);
      const rel = str(args, 'path') ?? '';
      if (rel.split('/').includes('..')) throw invalid(`Invalid path: ${rel}`);
      const files = await state.listArtifacts(r.artifact_uri, rel);
      // Paths relative to the run's artifact root, as MLflow answers.
      return {
        root_uri: r.artifact_uri,
        files: files.map((f) => ({ path: f.path, is_dir: f.isDir, file_size: f.fileSize })),
      };
    },
  },
  'runs/search': {
    methods: ['POST'],
    enums: { run_view_type: VIEW_TYPES },
    handler: (args, state) => {
      const ids = strList(args, 'experiment_ids');
      const clauses = parseEqualityFilter(str(args, 'filter'));
      const view = args.run_view_type ?? 'ACTIVE_ONLY';
      const max = int(args, 'max_results', { max: 50_000 }) ?? 1000;
      const rows = [...state.runs.values()].filter(
        (r) =>
          ids.includes(r.experiment_id) &&
          (view === 'ALL' ||
            view === 3 ||
            (view === 'DELETED_ONLY' || view === 2
              ? r.lifecycle_stage === 'deleted'
              : r.lifecycle_stage === 'active')) &&
          matchesAll(clauses, (key) => runField(r, key)),
      );
      const sorted = sortBy(rows, ['start_time DESC', 'run_id ASC'], runField);
      const page = paginate(sorted, max, str(args, 'page_token'));
      return { runs: page.items.map((r) => runJson(r, true)), next_page_token: page.nextPageToken };
    },
  },
  ...REGISTRY_ROUTES,
};
