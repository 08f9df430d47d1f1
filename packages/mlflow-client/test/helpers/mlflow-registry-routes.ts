import { matchesAll, paginate, parseEqualityFilter, sortBy } from '../../src/search.ts';
import { type Args, apiError, bool, checkKey, int, invalid, str, strList, tagList } from './mlflow-args.ts';
import type { Route } from './mlflow-handlers.ts';
import { latestVersions, type MlflowState, type ModelRow, modelJson, versionJson } from './mlflow-state.ts';

const STAGES = ['None', 'Staging', 'Production', 'Archived'];
const notFound = (message: string) => apiError('RESOURCE_DOES_NOT_EXIST', message);
const now = () => Date.now();

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
/** The model registry endpoints (reference §6). */
export const REGISTRY_ROUTES: Record<string, Route> = {
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
      const clauses = parseEqualityFilter(str(args, 'filter'));
      const max = int(args, 'max_results', { max: 1000 }) ?? 100;
      const rows = [...state.models.values()].filter((m) =>
        matchesAll(clauses, (key) =>
          key.startsWith('tags.') ? m.tags.get(key.slice(5)) : key === 'name' ? m.name : undefined,
        ),
      );
      const sorted = sortBy(rows, ['name ASC'], (m) => m.name);
      const page = paginate(sorted, max, str(args, 'page_token'));
      return { registered_models: page.items.map(modelJson), next_page_token: page.nextPageToken };
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
    methods: ['GET', 'POST'],
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
      const clauses = parseEqualityFilter(str(args, 'filter'));
      const max = int(args, 'max_results', { max: 200_000 }) ?? 200_000;
      const rows = [...state.models.values()].flatMap((m) => [...m.versions.values()].map((v) => ({ m, v })));
      const field = (x: (typeof rows)[number], key: string) =>
        key.startsWith('tags.')
          ? x.v.tags.get(key.slice(5))
          : key === 'version_number'
            ? x.v.version
            : (x.v as unknown as Record<string, string>)[key];
      const filtered = rows.filter((x) => matchesAll(clauses, (key) => field(x, key)));
      const sorted = sortBy(filtered, ['name ASC', 'version_number DESC'], field);
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
};

const ALIAS_RE = /^[\w-]{1,255}$/;

/** registered-models/alias: POST sets, GET reads — one path, two verbs. */
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
  const v = m?.aliases.get(alias);
  if (!m || v === undefined) throw invalid(`Registered model alias ${alias} not found.`);
  return { model_version: versionJson(m, m.versions.get(v)!) };
}
