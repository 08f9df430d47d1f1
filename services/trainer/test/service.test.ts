import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTs } from '@covertype/testkit';
import { type DataApi, runTrainer, smallCsv, startDataApi, TRAINER, tempDir } from './helpers.ts';

interface RunFile {
  run: { runId: string; status: string; trigger: string; startedAt: string; endedAt: string | null };
}

describe('trainer as a service (local file store and MLflow directory)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let dataApi: DataApi;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = await tempDir();
    dataApi = await startDataApi(await smallCsv(tmp.dir), tmp.dir);
    env = {
      DATA_API_URL: dataApi.url,
      DATA_GROUP: '1',
      DATABASE_URL: '',
      PIPELINE_DATA_DIR: path.join(tmp.dir, 'tables'),
      MLFLOW_TRACKING_URI: `file:${path.join(tmp.dir, 'mlruns')}`,
      SEARCH_PRESET: 'quick',
      TRAIN_WORKERS: '1',
      LOG_LEVEL: 'warn',
    };
  });
  after(async () => {
    await dataApi?.stop();
    await tmp?.remove();
  });

  const runs = async (): Promise<RunFile['run'][]> => {
    const dir = path.join(tmp.dir, 'tables', 'runs');
    const files = await readdir(dir).catch(() => [] as string[]);
    const all = await Promise.all(
      files
        .filter((f) => f.endsWith('.json'))
        .map(async (f) => (JSON.parse(await readFile(path.join(dir, f), 'utf8')) as RunFile).run),
    );
    return all.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  };

  it('prints the plan on --dry-run without touching anything', async () => {
    const { code, output } = await runTrainer(env, ['--dry-run']);
    assert.equal(code, 0, output);
    assert.match(output, /step 4 \(in parallel\):/);
    assert.match(output, /tables: +local files in /);
    assert.deepEqual(await runs(), []);
  });

  it('runs at start and on the cron schedule, never two runs at once, and stops on SIGTERM', async () => {
    const service = startTs(
      TRAINER,
      { ...env, PIPELINE_CRON: '* * * * * *', PIPELINE_RUN_ON_START: 'true' },
      [],
    );
    try {
      const deadline = Date.now() + 60_000;
      while ((await runs()).filter((r) => r.status === 'success').length < 2) {
        assert.ok(Date.now() < deadline, `fewer than 2 runs finished in time:\n${service.output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      assert.equal(await service.stop(20_000), 0, service.output());
    }
    const all = await runs();
    assert.equal(all[0]!.trigger, 'start');
    assert.ok(all.some((r) => r.trigger === 'cron'));
    for (let i = 1; i < all.length; i++) {
      assert.ok(all[i]!.startedAt >= all[i - 1]!.endedAt!, 'a run started before the previous one ended');
    }
    assert.ok(
      all.every((r) => r.status !== 'running'),
      'SIGTERM must leave no run marked running',
    );
  });

  it('refuses an invalid cron pattern with a one-line reason', async () => {
    const { code, output } = await runTrainer({ ...env, PIPELINE_CRON: 'every minute' }, []);
    assert.equal(code, 1);
    assert.match(output.trim(), /^trainer: PIPELINE_CRON="every minute" is not a cron pattern/);
  });
});
