// The sweep refuses a mode that cannot run here with one line and a non-zero exit, before it writes
// anything: a Docker engine without Compose v2 used to produce a report of zeros.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dataDir, runTs } from '@covertype/testkit';

const main = fileURLToPath(new URL('../sweep/main.ts', import.meta.url));

/** A `docker` whose engine answers but which has no Compose v2 plugin (Debian bookworm's docker.io). */
async function dockerWithoutCompose(dir: string): Promise<void> {
  const file = path.join(dir, 'docker');
  await writeFile(
    file,
    `#!/bin/sh
case "$1" in
  info) echo 20.10.24; exit 0 ;;
  *) echo "unknown shorthand flag: 'f' in -f" >&2; exit 125 ;;
esac
`,
  );
  await chmod(file, 0o755);
}

test('--mode docker with an engine but no Compose v2: one line, exit 1, no report', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sweep-modes-'));
  try {
    await dockerWithoutCompose(dir);
    const out = path.join(dir, 'results');
    const run = await runTs(
      main,
      {
        PATH: `${dir}:${process.env.PATH}`,
        COVERTYPE_DATA_DIR: dataDir(),
        SWEEP_OUT_DIR: out,
      },
      ['--mode', 'docker', '--configs', '1'],
    );
    assert.equal(run.code, 1, run.output);
    assert.equal(
      run.output.trim(),
      'loadtest-sweep: --mode docker cannot run: a Docker engine answered but Docker Compose v2 did not ' +
        '(`docker compose version` failed); install it, or run with --mode process',
    );
    assert.deepEqual(await readdir(out).catch(() => []), [], 'nothing may be written');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
