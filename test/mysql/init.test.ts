// mysql/init/01-databases.sh against the MariaDB of the test environment: the SQL it generates creates
// both databases with one user each, a user reaches its own database only, and quotes in passwords
// survive. The image runs the script with its own `mysql` client; here a stub captures the SQL.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@covertype/testkit';

const script = path.join(repoRoot, 'mysql/init/01-databases.sh');
const server = new URL(process.env.DATABASE_TEST_URL ?? 'mysql://root@127.0.0.1:3306/test');
const admin = ['-h', server.hostname, '-P', server.port || '3306', '-u', decodeURIComponent(server.username)];
if (server.password) admin.push(`-p${decodeURIComponent(server.password)}`);

function sql(args: string[], input = '') {
  return spawnSync('mysql', [...args, '--batch', '--skip-column-names'], { input, encoding: 'utf8' });
}

const reachable = spawnSync('mysql', [...admin, '-e', 'SELECT 1'], { encoding: 'utf8' }).status === 0;

function runScript(env: Record<string, string>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-init-'));
  mkdirSync(path.join(dir, 'bin'));
  const captured = path.join(dir, 'init.sql');
  writeFileSync(path.join(dir, 'bin/mysql'), `#!/bin/sh\ncat > "${captured}"\n`);
  chmodSync(path.join(dir, 'bin/mysql'), 0o755);
  const res = spawnSync('bash', [script], {
    env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, MYSQL_ROOT_PASSWORD: 'root', ...env },
    encoding: 'utf8',
  });
  let text = '';
  try {
    text = readFileSync(captured, 'utf8');
  } catch {}
  rmSync(dir, { recursive: true, force: true });
  return { ...res, sql: text };
}

test('refuses to run without the passwords, naming the variable', () => {
  const res = runScript({ PIPELINE_DB_PASSWORD: 'x' });
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /MLFLOW_DB_PASSWORD is not set/);
});

test('creates two databases, each reachable by its own user only', async (t) => {
  if (!reachable) return t.skip(`no MySQL/MariaDB at ${server.host}`);
  const id = randomBytes(4).toString('hex');
  const names = {
    MLFLOW_DB_NAME: `t_mlflow_${id}`,
    MLFLOW_DB_USER: `t_ml_${id}`,
    MLFLOW_DB_PASSWORD: "it's-mlflow",
    PIPELINE_DB_NAME: `t_pipe_${id}`,
    PIPELINE_DB_USER: `t_pi_${id}`,
    PIPELINE_DB_PASSWORD: 'pipeline-pw',
  };
  try {
    const res = runScript(names);
    assert.equal(res.status, 0, res.stderr);
    const applied = sql(admin, res.sql);
    assert.equal(applied.status, 0, applied.stderr);

    const as = (user: string, password: string, db: string, statement: string) =>
      sql([...admin.slice(0, 4), '-u', user, `-p${password}`, db, '-e', statement]);
    const own = as(
      names.MLFLOW_DB_USER,
      names.MLFLOW_DB_PASSWORD,
      names.MLFLOW_DB_NAME,
      'CREATE TABLE t (x INT)',
    );
    assert.equal(own.status, 0, own.stderr);
    const pipe = as(
      names.PIPELINE_DB_USER,
      names.PIPELINE_DB_PASSWORD,
      names.PIPELINE_DB_NAME,
      'CREATE TABLE t (x INT)',
    );
    assert.equal(pipe.status, 0, pipe.stderr);
    const other = as(names.MLFLOW_DB_USER, names.MLFLOW_DB_PASSWORD, names.PIPELINE_DB_NAME, 'SELECT 1');
    assert.notEqual(other.status, 0, 'the MLflow user can open the pipeline database');
    assert.match(other.stderr, /denied/i);

    // Idempotent: a second run (IF NOT EXISTS everywhere) changes nothing and fails on nothing.
    assert.equal(sql(admin, res.sql).status, 0);
  } finally {
    sql(
      admin,
      `DROP DATABASE IF EXISTS \`${names.MLFLOW_DB_NAME}\`; DROP DATABASE IF EXISTS \`${names.PIPELINE_DB_NAME}\`;
       DROP USER IF EXISTS '${names.MLFLOW_DB_USER}'@'%'; DROP USER IF EXISTS '${names.PIPELINE_DB_USER}'@'%';`,
    );
  }
});
