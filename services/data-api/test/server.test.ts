import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, runTs, startTs, waitForHttp } from '@covertype/testkit';
import { csv, HEADER, tempDir, validLine } from './helper.ts';

const entry = fileURLToPath(new URL('../src/server.ts', import.meta.url));

/** One readable line on stderr, no stack trace. */
function assertOneLine(output: string, expected: RegExp) {
  const lines = output.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${output}`);
  assert.match(lines[0]!, expected);
  assert.doesNotMatch(output, /\n\s+at /);
}

test('start-up failures end with one readable line and exit code 1', async (t) => {
  const dir = await tempDir(t);
  const wrongHeader = path.join(dir, 'wrong.csv');
  await writeFile(wrongHeader, 'a,b,c\n1,2,3\n');
  const state = path.join(dir, 'state.json');
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [
      { DATA_PATH: path.join(dir, 'missing.csv') },
      /^data-api: cannot read DATA_PATH .*missing\.csv: no such file/,
    ],
    [{ DATA_PATH: dir }, /^data-api: cannot read DATA_PATH .*: it is a directory/],
    [{ DATA_PATH: wrongHeader }, /^data-api: .*wrong\.csv: unexpected CSV header "a,b,c"/],
    [{ DATA_PATH: wrongHeader, PORT: 'eighty' }, /^data-api: invalid configuration: PORT="eighty"/],
  ];
  for (const [env, expected] of cases) {
    const { code, output } = await runTs(entry, { ...env, DATA_STATE_PATH: state, LOG_LEVEL: 'silent' });
    assert.equal(code, 1, output);
    assertOneLine(output, expected);
  }
});

test('the real server process serves /data on its port and stops cleanly on SIGTERM', async (t) => {
  const dir = await tempDir(t);
  const data = path.join(dir, 'data.csv');
  await writeFile(data, csv(Array.from({ length: 300 }, (_, i) => validLine(i))));
  const port = await freePort();
  const proc = startTs(entry, {
    DATA_PATH: data,
    DATA_STATE_PATH: path.join(dir, 'state.json'),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_SEED: '42',
    LOG_LEVEL: 'info',
  });
  t.after(() => proc.stop());
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  const res = await fetch(`http://127.0.0.1:${port}/data?group_number=10`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { group_number: number; batch_number: number; data: unknown[][] };
  assert.equal(body.group_number, 10);
  assert.equal(body.batch_number, 1);
  assert.equal(body.data.length, 3);
  assert.equal(body.data[0]!.length, HEADER.split(',').length);
  assert.equal(await proc.stop(), 0);
  assert.match(proc.output(), /"msg":"data API ready"/);
});
