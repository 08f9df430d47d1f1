import { compare, paginate, parseFilter, sortBy } from '../../src/search.ts';
import {
  type Args,
  apiError,
  bool,
  checkKey,
  id,
  int,
  invalid,
  list,
  str,
  strList,
  tagList,
} from './mlflow-args.ts';
import {
  kvList,
  latestMetrics,
  latestVersions,
  type MetricRow,
  type MlflowState,
  type ModelRow,
  metricJson,
  modelJson,
  type RunRow,
  runInfoJson,
  runJson,
  versionJson,
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
const STAGES = ['None', 'Staging', 'Production', 'Archived'];
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
function model(state: MlflowState, name: string): ModelRow {
  const m = state.models.get(name);
  if (!m) throw notFound(`Registered Model with name=${name} not found`);
  return m;
}
function version(state: MlflowState, name: string, v: string) {
  const m = model(state, name);
  if (!/^\d+$/.test(v)) throw invalid(`Model version must be an integer, got '${v}'`);
  const row = m.versions.get(Number(v));
  if (!row) throw notFound(`Model Version (name=${name}, version=${v}) not found`);
  return { m, row };
}
function statusName(v: unknown): string | undefined {
  return typeof v === 'number' ? STATUS_BY_NUMBER[v] : (v as string | undefined);
}
function runField(r: RunRow, type: string, key: string): string | number | undefined {
  if (type === 'metrics') {
    const m = latestMetrics(r).find((x) => x.key === key);
    return m === undefined ? undefined : Number(m.value);
  }
  if (type === 'params') return r.params.get(key);
  if (type === 'tags') return r.tags.get(key);
  const info = runInfoJson(r) as Record<string, unknown>;
  return info[key] as string | number | undefined;
}
const now = () => Date.now();

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
  'experiments/get': {
    methods: ['GET'],
    handler: (args, state) => ({
      experiment: experimentJson(experiment(state, id(args, 'experiment_id', true)!)),
    }),
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
  'experiments/search': {
    methods: ['GET', 'POST'],
    enums: { view_type: VIEW_TYPES },
    handler: (args, state) => {
      const max = int(args, 'max_results', { max: 50_000 }) ?? 0;
      if (max <= 0) throw invalid(`Invalid value ${max} for parameter 'max_results' supplied.`);
      const clauses = parseFilter(str(args, 'filter'));
      const view = args.view_type ?? 'ACTIVE_ONLY';
      const rows = [...state.experiments.values()].filter(
        (e) =>
          (view === 'ALL' ||
            view === 3 ||
            (view === 'DELETED_ONLY' || view === 2
              ? e.lifecycle_stage === 'deleted'
              : e.lifecycle_stage === 'active')) &&
          clauses.every((c) =>
            compare(
              c.type === 'tags' ? e.tags.get(c.key) : (e as unknown as Record<string, string>)[c.key],
              c.op,
              c.value,
            ),
          ),
      );
      const page = paginate(
        sortBy(rows, ['experiment_id DESC'], (e) => Number(e.experiment_id)),
        max,
        str(args, 'page_token'),
      );
      return { experiments: page.items.map(experimentJson), next_page_token: page.nextPageToken };
    },
  },
  'experiments/delete': {
    methods: ['POST'],
    handler: (args, state) => {
      experiment(state, id(args, 'experiment_id', true)!).lifecycle_stage = 'deleted';
      return {};
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
  'runs/delete': {
    methods: ['POST'],
    handler: (args, state) => {
      run(state, str(args, 'run_id', true)!).lifecycle_stage = 'deleted';
      return {};
    },
  },
  'runs/restore': {
    methods: ['POST'],
    handler: (args, state) => {
      run(state, str(args, 'run_id', true)!).lifecycle_stage = 'active';
      return {};
    },
  },
  'runs/log-batch': { methods: ['POST'], handler: logBatch },
  'runs/log-metric': {
    methods: ['POST'],
    handler: (args, state) =>
      logBatch(
        {
          run_id: args.run_id,
          metrics: [{ key: args.key, value: args.value, timestamp: args.timestamp, step: args.step }],
        },
        state,
      ),
  },
  'runs/log-parameter': {
    methods: ['POST'],
    handler: (args, state) =>
      logBatch({ run_id: args.run_id, params: [{ key: args.key, value: args.value }] }, state),
  },
  'runs/set-tag': {
    methods: ['POST'],
    handler: (args, state) =>
      logBatch({ run_id: args.run_id, tags: [{ key: args.key, value: args.value }] }, state),
  },
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
  'metrics/get-history': {
    methods: ['GET'],
    handler: (args, state) => {
      const r = run(state, str(args, 'run_id', true)!);
      const history = r.metrics.get(str(args, 'metric_key', true)!) ?? [];
      const page = paginate(history, int(args, 'max_results') ?? 25_000, str(args, 'page_token'));
      return { metrics: page.items.map(metricJson), next_page_token: page.nextPageToken };
    },
  },
  'runs/search': {
    methods: ['POST'],
    enums: { run_view_type: VIEW_TYPES },
    handler: (args, state) => {
      const ids = strList(args, 'experiment_ids');
      const clauses = parseFilter(str(args, 'filter'));
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
          clauses.every((c) => compare(runField(r, c.type, c.key), c.op, c.value)),
      );
      const byDefault = sortBy(rows, ['start_time DESC', 'run_id ASC'], (r, k) =>
        runField(r, 'attributes', k),
      );
      const sorted = sortBy(byDefault, strList(args, 'order_by'), (r, key) => {
        const [type, ...rest] = key.includes('.') ? key.split('.') : ['attributes', key];
        const t = type!.startsWith('metric')
          ? 'metrics'
          : type!.startsWith('param')
            ? 'params'
            : type!.startsWith('tag')
              ? 'tags'
              : 'attributes';
        return runField(r, t, rest.join('.'));
      });
      const page = paginate(sorted, max, str(args, 'page_token'));
      return { runs: page.items.map((r) => runJson(r, true)), next_page_token: page.nextPageToken };
    },
  },
  'registered-models/create': {
    methods: ['POST'],
    handler: (args, state) => {
      const name = str(args, 'name', true)!;
      if (state.models.has(name))
        throw apiError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
      const t = now();
      const m: ModelRow = {
        name,
        creation_timestamp: t,
        last_updated_timestamp: t,
        description: str(args, 'description') ?? '',
        tags: new Map(tagList(args).map((x) => [x.key, x.value])),
        aliases: new Map(),
        versions: new Map(),
      };
      state.models.set(name, m);
      return { registered_model: modelJson(m) };
    },
  },
  'registered-models/get': {
    methods: ['GET'],
    handler: (args, state) => ({ registered_model: modelJson(model(state, str(args, 'name', true)!)) }),
  },
  'registered-models/search': {
    methods: ['GET'],
    handler: (args, state) => {
      const clauses = parseFilter(str(args, 'filter'));
      const max = int(args, 'max_results', { max: 1000 }) ?? 100;
      const rows = [...state.models.values()].filter((m) =>
        clauses.every((c) =>
          compare(
            c.type === 'tags' ? m.tags.get(c.key) : c.key === 'name' ? m.name : undefined,
            c.op,
            c.value,
          ),
        ),
      );
      const sorted = sortBy(
        sortBy(rows, ['name ASC'], (m) => m.name),
        strList(args, 'order_by'),
        (m, k) => (m as unknown as Record<string, unknown>)[k],
      );
      const page = paginate(sorted, max, str(args, 'page_token'));
      return { registered_models: page.items.map(modelJson), next_page_token: page.nextPageToken };
    },
  },
  'registered-models/delete': {
    methods: ['DELETE'],
    handler: (args, state) => {
      state.models.delete(model(state, str(args, 'name', true)!).name);
      return {};
    },
  },
  'registered-models/set-tag': {
    methods: ['POST'],
    handler: (args, state) => {
      const key = str(args, 'key', true)!;
      checkKey('tag', key);
      model(state, str(args, 'name', true)!).tags.set(key, String(args.value ?? ''));
      return {};
    },
  },
  'registered-models/get-latest-versions': {
    methods: ['GET', 'POST'],
    handler: (args, state) => {
      const m = model(state, str(args, 'name', true)!);
      return { model_versions: latestVersions(m, strList(args, 'stages')).map((v) => versionJson(m, v)) };
    },
  },
  'registered-models/alias': {
    methods: ['GET', 'POST', 'DELETE'],
    handler: () => {
      throw new Error('dispatched by method');
    },
  },
  'model-versions/create': {
    methods: ['POST'],
    handler: (args, state) => {
      const name = str(args, 'name', true)!;
      const source = str(args, 'source', true)!;
      if (source.split('/').includes('..')) throw invalid(`Invalid model version source: '${source}'.`);
      const m = model(state, name);
      const n = Math.max(0, ...m.versions.keys()) + 1;
      const t = now();
      const pending = state.pendingPolls;
      m.versions.set(n, {
        name,
        version: n,
        creation_timestamp: t,
        last_updated_timestamp: t,
        current_stage: 'None',
        description: str(args, 'description') ?? '',
        source,
        run_id: str(args, 'run_id') ?? '',
        run_link: str(args, 'run_link') ?? '',
        status: pending > 0 ? 'PENDING_REGISTRATION' : 'READY',
        user_id: '',
        tags: new Map(tagList(args).map((x) => [x.key, x.value])),
        pendingPolls: pending,
      });
      m.last_updated_timestamp = t;
      return { model_version: versionJson(m, m.versions.get(n)!) };
    },
  },
  'model-versions/get': {
    methods: ['GET'],
    handler: (args, state) => {
      const { m, row } = version(state, str(args, 'name', true)!, str(args, 'version', true)!);
      if (row.status === 'PENDING_REGISTRATION' && --row.pendingPolls <= 0) row.status = 'READY';
      return { model_version: versionJson(m, row) };
    },
  },
  'model-versions/search': {
    methods: ['GET'],
    handler: (args, state) => {
      const clauses = parseFilter(str(args, 'filter'));
      const max = int(args, 'max_results', { max: 200_000 }) ?? 200_000;
      const rows = [...state.models.values()].flatMap((m) => [...m.versions.values()].map((v) => ({ m, v })));
      const field = (x: (typeof rows)[number], type: string, key: string) =>
        type === 'tags'
          ? x.v.tags.get(key)
          : key === 'version_number'
            ? x.v.version
            : (x.v as unknown as Record<string, string>)[key];
      const filtered = rows.filter((x) =>
        clauses.every((c) => compare(field(x, c.type, c.key), c.op, c.value)),
      );
      const sorted = sortBy(
        sortBy(filtered, ['name ASC', 'version_number DESC'], (x, k) => field(x, 'attributes', k)),
        strList(args, 'order_by'),
        (x, k) => field(x, 'attributes', k),
      );
      const page = paginate(sorted, max, str(args, 'page_token'));
      return {
        model_versions: page.items.map((x) => versionJson(x.m, x.v)),
        next_page_token: page.nextPageToken,
      };
    },
  },
  'model-versions/set-tag': {
    methods: ['POST'],
    handler: (args, state) => {
      const { row } = version(state, str(args, 'name', true)!, str(args, 'version', true)!);
      const key = str(args, 'key', true)!;
      checkKey('tag', key);
      row.tags.set(key, String(args.value ?? ''));
      return {};
    },
  },
  'model-versions/transition-stage': {
    methods: ['POST'],
    handler: (args, state) => {
      const { m, row } = version(state, str(args, 'name', true)!, str(args, 'version', true)!);
      const raw = str(args, 'stage', true)!;
      const stage = STAGES.find((s) => s.toLowerCase() === raw.toLowerCase());
      if (!stage)
        throw invalid(
          `Invalid Model Version stage: ${raw}. Value must be one of None, Staging, Production, Archived.`,
        );
      const archive = bool(args, 'archive_existing_versions') ?? false;
      if (archive && (stage === 'Archived' || stage === 'None')) {
        // A permanent 500 on MLflow 2.17.2 (reference §2).
        throw apiError(
          'INTERNAL_ERROR',
          `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage.`,
        );
      }
      const t = now();
      if (archive) {
        for (const other of m.versions.values()) {
          if (other !== row && other.current_stage === stage) {
            other.current_stage = 'Archived';
            other.last_updated_timestamp = t;
          }
        }
      }
      row.current_stage = stage;
      row.last_updated_timestamp = t;
      return { model_version: versionJson(m, row) };
    },
  },
  'model-versions/get-download-uri': {
    methods: ['GET'],
    handler: (args, state) => ({
      artifact_uri: version(state, str(args, 'name', true)!, str(args, 'version', true)!).row.source,
    }),
  },
  'model-versions/delete': {
    methods: ['DELETE'],
    handler: (args, state) => {
      const { m, row } = version(state, str(args, 'name', true)!, str(args, 'version', true)!);
      m.versions.delete(row.version);
      for (const [a, v] of m.aliases) if (v === row.version) m.aliases.delete(a);
      return {};
    },
  },
};

const ALIAS_RE = /^[\w-]{1,255}$/;

/** registered-models/alias: POST sets, GET reads, DELETE removes — one path, three verbs. */
export function aliasHandler(method: string, args: Args, state: MlflowState): unknown {
  const name = str(args, 'name', true)!;
  const alias = str(args, 'alias', true)!;
  if (method === 'POST') {
    const v = str(args, 'version', true)!;
    if (!ALIAS_RE.test(alias) || alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
      throw invalid(
        `Invalid alias name: '${alias}'. Alias must be a string of at most 255 characters of alphanumerics, '_' and '-', and cannot be 'latest' or of the form 'v<number>'.`,
      );
    }
    const { m, row } = version(state, name, v);
    m.aliases.set(alias, row.version);
    return {};
  }
  const m = state.models.get(name);
  if (method === 'DELETE') {
    if (!m) throw notFound(`Registered Model with name=${name} not found`);
    m.aliases.delete(alias);
    return {};
  }
  const v = m?.aliases.get(alias);
  if (!m || v === undefined) throw invalid(`Registered model alias ${alias} not found.`);
  return { model_version: versionJson(m, m.versions.get(v)!) };
}
