import path from 'node:path';
import { checkKey } from '../batch.ts';
import { mlflowError } from '../errors.ts';
import { matchesAll, paginate, parseEqualityFilter, sortBy } from '../search.ts';
import type {
  CreateModelVersionOptions,
  ModelStage,
  ModelVersion,
  Page,
  RegisteredModel,
  SearchInput,
} from '../types.ts';
import { listDirs, readKeyValues, readYaml, writeAtomic, writeYaml } from './fs.ts';

const ALIAS_RE = /^[\w-]{1,255}$/;

export interface ModelMeta {
  creation_timestamp: number;
  description: string | null;
  last_updated_timestamp: number;
  name: string;
}
export interface VersionMeta {
  creation_timestamp: number;
  current_stage: string;
  description: string | null;
  last_updated_timestamp: number;
  name: string;
  run_id: string | null;
  run_link: string | null;
  source: string;
  status: string;
  status_message: string | null;
  user_id: string | null;
  version: number;
}

/** The registry half of the local store: `<root>/models/<name>/{meta.yaml,tags,aliases,version-<n>/}`. */
export class LocalRegistry {
  constructor(private readonly root: string) {}

  private modelDir(name: string): string {
    if (!name || name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
      throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid registered model name '${name}'`);
    }
    return path.join(this.root, 'models', name);
  }

  private async modelMeta(name: string): Promise<ModelMeta> {
    const meta = await readYaml<ModelMeta>(path.join(this.modelDir(name), 'meta.yaml'));
    if (!meta) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
    return meta;
  }

  private async aliases(name: string): Promise<Record<string, string>> {
    const raw = await readKeyValues(path.join(this.modelDir(name), 'aliases'));
    return Object.fromEntries(Object.entries(raw).map(([a, v]) => [a, v.trim()]));
  }

  private async versionNumbers(name: string): Promise<number[]> {
    return (await listDirs(this.modelDir(name)))
      .map((d) => /^version-(\d+)$/.exec(d)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private async readVersion(name: string, version: string | number, aliases?: Record<string, string>) {
    const v = String(version);
    if (!/^\d+$/.test(v)) {
      throw mlflowError('INVALID_PARAMETER_VALUE', `Model version must be an integer, got '${v}'`);
    }
    const dir = path.join(this.modelDir(name), `version-${v}`);
    const meta = await readYaml<VersionMeta>(path.join(dir, 'meta.yaml'));
    if (!meta)
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Model Version (name=${name}, version=${v}) not found`);
    const all = aliases ?? (await this.aliases(name));
    const mv: ModelVersion = {
      name: meta.name,
      version: String(meta.version),
      creationTimestamp: meta.creation_timestamp,
      lastUpdatedTimestamp: meta.last_updated_timestamp,
      currentStage: meta.current_stage,
      source: meta.source,
      status: meta.status as ModelVersion['status'],
      tags: await readKeyValues(path.join(dir, 'tags')),
      aliases: Object.entries(all)
        .filter(([, ver]) => ver === v)
        .map(([a]) => a)
        .sort(),
    };
    if (meta.description) mv.description = meta.description;
    if (meta.run_id) mv.runId = meta.run_id;
    if (meta.run_link) mv.runLink = meta.run_link;
    if (meta.status_message) mv.statusMessage = meta.status_message;
    return { dir, meta, mv };
  }

  private async latestVersions(name: string): Promise<ModelVersion[]> {
    const latest = new Map<string, ModelVersion>();
    const aliases = await this.aliases(name);
    for (const n of await this.versionNumbers(name)) {
      const { mv } = await this.readVersion(name, n, aliases);
      latest.set(String(mv.currentStage), mv);
    }
    return [...latest.values()];
  }

  private async readModel(name: string): Promise<RegisteredModel> {
    const meta = await this.modelMeta(name);
    const model: RegisteredModel = {
      name: meta.name,
      creationTimestamp: meta.creation_timestamp,
      lastUpdatedTimestamp: meta.last_updated_timestamp,
      latestVersions: await this.latestVersions(name),
      tags: await readKeyValues(path.join(this.modelDir(name), 'tags')),
      aliases: await this.aliases(name),
    };
    if (meta.description) model.description = meta.description;
    return model;
  }

  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    const dir = this.modelDir(name);
    if (await readYaml(path.join(dir, 'meta.yaml'))) {
      throw mlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
    }
    const now = Date.now();
    for (const [key, value] of Object.entries(options.tags ?? {}))
      await writeAtomic(path.join(dir, 'tags', key), value);
    await writeYaml(path.join(dir, 'meta.yaml'), {
      creation_timestamp: now,
      description: options.description ?? null,
      last_updated_timestamp: now,
      name,
    } satisfies ModelMeta);
    return this.readModel(name);
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.readModel(name);
  }

  async searchRegisteredModels(input: SearchInput = {}): Promise<Page<RegisteredModel>> {
    const clauses = parseEqualityFilter(input.filter);
    const models: RegisteredModel[] = [];
    for (const name of await listDirs(path.join(this.root, 'models'))) {
      if (!(await readYaml(path.join(this.root, 'models', name, 'meta.yaml')))) continue;
      const model = await this.readModel(name);
      const ok = matchesAll(clauses, (key) =>
        key.startsWith('tags.') ? model.tags[key.slice(5)] : key === 'name' ? model.name : undefined,
      );
      if (ok) models.push(model);
    }
    const sorted = sortBy(models, ['name ASC'], (m) => m.name);
    return paginate(sorted, input.maxResults ?? 100, input.pageToken);
  }

  async createModelVersion(
    name: string,
    source: string,
    runId: string | undefined,
    options: CreateModelVersionOptions,
  ): Promise<ModelVersion> {
    const meta = await this.modelMeta(name);
    if (source.split('/').includes('..')) {
      throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid model version source: '${source}'`);
    }
    const versions = await this.versionNumbers(name);
    const version = (versions.at(-1) ?? 0) + 1;
    const dir = path.join(this.modelDir(name), `version-${version}`);
    const now = Date.now();
    for (const [key, value] of Object.entries(options.tags ?? {}))
      await writeAtomic(path.join(dir, 'tags', key), value);
    await writeYaml(path.join(dir, 'meta.yaml'), {
      creation_timestamp: now,
      current_stage: 'None',
      description: options.description ?? null,
      last_updated_timestamp: now,
      name,
      run_id: runId ?? null,
      run_link: options.runLink ?? null,
      source,
      status: 'READY',
      status_message: null,
      user_id: null,
      version,
    } satisfies VersionMeta);
    await writeYaml(path.join(this.modelDir(name), 'meta.yaml'), { ...meta, last_updated_timestamp: now });
    return (await this.readVersion(name, version)).mv;
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    await this.modelMeta(name);
    return (await this.readVersion(name, version)).mv;
  }

  async searchModelVersions(input: SearchInput = {}): Promise<Page<ModelVersion>> {
    const clauses = parseEqualityFilter(input.filter);
    const versions: ModelVersion[] = [];
    for (const name of await listDirs(path.join(this.root, 'models'))) {
      if (!(await readYaml(path.join(this.root, 'models', name, 'meta.yaml')))) continue;
      const aliases = await this.aliases(name);
      for (const n of await this.versionNumbers(name)) {
        const { mv } = await this.readVersion(name, n, aliases);
        const field = (key: string) =>
          key.startsWith('tags.')
            ? mv.tags[key.slice(5)]
            : key === 'name'
              ? mv.name
              : key === 'run_id'
                ? mv.runId
                : key === 'source'
                  ? mv.source
                  : key === 'version_number'
                    ? mv.version
                    : undefined;
        if (matchesAll(clauses, field)) versions.push(mv);
      }
    }
    const sorted = sortBy(versions, ['name ASC', 'version_number DESC'], (v, k) =>
      k === 'name' ? v.name : Number(v.version),
    );
    return paginate(sorted, input.maxResults ?? 1000, input.pageToken);
  }

  async setModelVersionTag(
    name: string,
    version: string | number,
    key: string,
    value: string,
  ): Promise<void> {
    await this.modelMeta(name);
    const { dir } = await this.readVersion(name, version);
    checkKey('tag', key);
    await writeAtomic(path.join(dir, 'tags', key), value);
  }

  async transitionStage(name: string, version: string, stage: ModelStage, archiveExisting: boolean) {
    await this.modelMeta(name);
    const { dir, meta } = await this.readVersion(name, version);
    const now = Date.now();
    if (archiveExisting) {
      for (const n of await this.versionNumbers(name)) {
        if (String(n) === version) continue;
        const other = await this.readVersion(name, n);
        if (other.meta.current_stage === stage) {
          await writeYaml(path.join(other.dir, 'meta.yaml'), {
            ...other.meta,
            current_stage: 'Archived',
            last_updated_timestamp: now,
          });
        }
      }
    }
    await writeYaml(path.join(dir, 'meta.yaml'), {
      ...meta,
      current_stage: stage,
      last_updated_timestamp: now,
    });
    return (await this.readVersion(name, version)).mv;
  }

  async getLatestVersions(name: string, stages: readonly ModelStage[] = []): Promise<ModelVersion[]> {
    await this.modelMeta(name);
    const latest = await this.latestVersions(name);
    if (stages.length === 0) return latest;
    const wanted = stages.map((s) => s.toLowerCase());
    return latest.filter((v) => wanted.includes(String(v.currentStage).toLowerCase()));
  }

  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    return (await this.getModelVersion(name, version)).source;
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.modelMeta(name);
    if (!ALIAS_RE.test(alias) || alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid alias name '${alias}': expected up to 255 letters, digits, _ or -, not 'latest' nor v<digits>`,
      );
    }
    await this.readVersion(name, version);
    await writeAtomic(path.join(this.modelDir(name), 'aliases', alias), String(version));
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const notFound = () =>
      mlflowError('INVALID_PARAMETER_VALUE', `Registered model alias ${alias} not found.`);
    if (!(await readYaml(path.join(this.modelDir(name), 'meta.yaml')))) throw notFound();
    const version = (await this.aliases(name))[alias];
    if (version === undefined) throw notFound();
    return (await this.readVersion(name, version)).mv;
  }
}
