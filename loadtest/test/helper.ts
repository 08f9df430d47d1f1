// A real inference API for the tests that drive the k6 code against it: the small sweep model served
// from a folder by services/inference-api's server, as a process on a free port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataFile, freePort, startTs, waitForHttp } from '@covertype/testkit';
import { prepareModel } from '../sweep/model.ts';

const server = fileURLToPath(new URL('../../services/inference-api/src/server.ts', import.meta.url));

export interface InferenceApi {
  base: string;
  stop(): Promise<void>;
}

export async function startInferenceApi(): Promise<InferenceApi> {
  const dir = await mkdtemp(path.join(tmpdir(), 'loadtest-api-'));
  const model = await prepareModel(path.join(dir, 'models'), dataFile('covertype.csv'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const api = startTs(server, {
    PORT: String(port),
    HOST: '127.0.0.1',
    MODEL_URI: model,
    MODEL_POLL_SECONDS: '0',
    MODEL_CACHE_DIR: path.join(dir, 'cache'),
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`${base}/readyz`, { timeoutMs: 30_000 }).catch((err) => {
    throw new Error(`${err}\n${api.output()}`);
  });
  return {
    base,
    async stop() {
      await api.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
