import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bodyOf, loadRows, startApp, trainModel } from './helper.ts';

const bodies = loadRows(40, 50_000).map(bodyOf);

async function replaceModel(dir: string, bytes: Uint8Array): Promise<void> {
  const tmp = path.join(dir, 'model.onnx.tmp');
  await writeFile(tmp, bytes);
  await rename(tmp, path.join(dir, 'model.onnx'));
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hot reload', () => {
  it('swaps in a new version under concurrent requests without one failing, and refuses a broken one', async () => {
    const [first, second] = await Promise.all([trainModel(0, 8), trainModel(1, 3)]);
    const t = await startApp({ bytes: first, manager: { pollMs: 40 } });
    try {
      const versionBefore = t.app.models.current!.version;
      const before = (
        await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: bodies } })
      ).json();

      let stop = false;
      const statuses: number[] = [];
      const versions = new Set<string>();
      const clients = Array.from({ length: 8 }, async (_, c) => {
        for (let i = c; !stop; i++) {
          const res = await t.app.inject({
            method: 'POST',
            url: '/predict',
            payload: bodies[i % bodies.length]!,
          });
          statuses.push(res.statusCode);
          if (res.statusCode === 200) versions.add(res.json().version);
        }
      });
      await new Promise((r) => setTimeout(r, 100));
      await replaceModel(t.modelDir, second);
      await until('the new version', () => t.app.models.current!.version !== versionBefore);
      await new Promise((r) => setTimeout(r, 100));
      stop = true;
      await Promise.all(clients);

      assert.ok(statuses.length > 50, `only ${statuses.length} requests ran`);
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [],
        'every request during the swap succeeded',
      );
      assert.equal(versions.size, 2, 'requests saw the old, then the new version');
      const after = (
        await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: bodies } })
      ).json();
      assert.notDeepEqual(after.predictions, before.predictions, 'the new model answers');

      // A broken file: refused, the current version keeps serving.
      const serving = t.app.models.current!.version;
      await replaceModel(t.modelDir, new TextEncoder().encode('this is not an onnx graph'));
      await until('the refusal', async () =>
        (await t.app.inject('/metrics')).body.includes('model_reloads_total{result="refused"} 1'),
      );
      assert.equal(t.app.models.current!.version, serving);
      const still = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: bodies } });
      assert.equal(still.statusCode, 200);
      assert.deepEqual(still.json().predictions, after.predictions);
      assert.match(t.app.models.lastError ?? '', /cannot open the ONNX model/);
    } finally {
      await t.close();
    }
  });
});
