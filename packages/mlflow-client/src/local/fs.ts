import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { tempSibling } from '../artifacts/local.ts';

/** Write to a sibling temp file, then rename: readers never see half a file. */
export async function writeAtomic(file: string, contents: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  try {
    await writeFile(tmp, contents);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeYaml(file: string, value: unknown): Promise<void> {
  // PyYAML reads YAML 1.1: this schema quotes strings such as '1', 'yes' or timestamps that it would retype.
  await writeAtomic(file, YAML.stringify(value, { schema: 'yaml-1.1' }));
}

export async function readYaml<T>(file: string): Promise<T | undefined> {
  try {
    return YAML.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** A key→value folder (params/, tags/): one file per key; keys with `/` live in sub-folders, as in MLflow. */
export async function readKeyValues(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (sub: string, prefix: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(sub, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.includes('.tmp-')) continue;
      const key = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(sub, e.name), key);
      else out[key] = await readFile(path.join(sub, e.name), 'utf8');
    }
  };
  await walk(dir, '');
  return out;
}
