import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { createLogger, listenWithShutdown, runMain } from '@covertype/service-kit';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { localPath } from './model/model-source.ts';
import { RoutingModelSource } from './model/source-for.ts';

const NAME = 'inference-api';

/** `--workers N`: N processes share the port (node:cluster), one onnxruntime session each. */
function workersFromArgs(): number {
  const { values } = parseArgs({
    options: { workers: { type: 'string', short: 'w' } },
    strict: true,
    // pnpm may pass a lone '--' through.
    allowPositionals: true,
  });
  if (values.workers === undefined) return 1;
  const n = Number(values.workers);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new Error(
      `--workers ${JSON.stringify(values.workers)}: expected a whole number of processes 1..256`,
    );
  }
  return n;
}

async function primary(workers: number): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(NAME, config.LOG_LEVEL);
  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.warn({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
    setTimeout(fork, 1000).unref();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT + 1000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  logger.info({ workers }, 'starting workers');
  for (let i = 0; i < workers; i++) fork();
}

async function worker(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(NAME, config.LOG_LEVEL);
  const source = new RoutingModelSource(config.MODEL_CACHE_DIR, config.mlflow, logger);
  const registry = localPath(config.MODEL_URI) === undefined ? source.registryUri : undefined;
  const app = await buildApp({
    model: {
      source,
      uri: config.MODEL_URI,
      cacheDir: config.MODEL_CACHE_DIR,
      logger,
      pollMs: config.MODEL_POLL_SECONDS * 1000,
      retryMaxMs: config.MODEL_RETRY_MAX,
      lruSize: config.MODEL_LRU_SIZE,
      batchWaitMs: config.MICRO_BATCH_WAIT,
      batchPolicy: config.MICRO_BATCH_POLICY,
      threads: config.ORT_THREADS,
      ...(registry ? { registry } : {}),
    },
    logger,
    maxBatch: config.MAX_BATCH,
    maxInflight: config.MAX_INFLIGHT,
    bodyLimit: config.BODY_LIMIT,
    logRequests: config.LOG_REQUESTS,
    idleGcMs: config.IDLE_GC_SECONDS * 1000,
  });
  // The registry client loads in the background (a local MODEL_URI needs none); its settings were checked above.
  if (registry) {
    source.mlflow().catch((err: Error) => {
      process.stderr.write(`${NAME}: ${err.message}\n`);
      process.exit(1);
    });
  }
  // Listens at once: the model loads in the background (/healthz answers, /readyz says when it serves).
  await listenWithShutdown({
    app,
    logger,
    port: config.PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT,
  });
  logger.info({ port: config.PORT, modelUri: config.MODEL_URI, registry, docs: '/docs' }, 'listening');
}

void runMain(NAME, async () => {
  const workers = workersFromArgs();
  if (workers > 1 && cluster.isPrimary) await primary(workers);
  else await worker();
});
