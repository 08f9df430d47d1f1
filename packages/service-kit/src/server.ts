import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface RunOptions {
  app: FastifyInstance;
  logger: Logger;
  port: number;
  host: string;
  /** How long in-flight requests may take to finish after SIGTERM before the process exits anyway. */
  shutdownTimeoutMs: number;
}

/** Listens and shuts down gracefully on SIGTERM/SIGINT: stop accepting, drain, exit. */
export async function listenWithShutdown(options: RunOptions): Promise<void> {
  const { app, logger } = options;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.warn(
        { timeoutMs: options.shutdownTimeoutMs },
        'shutdown timed out; exiting with requests in flight',
      );
      process.exit(1);
    }, options.shutdownTimeoutMs);
    timer.unref();
    try {
      // Plugins stop what they started (pools, timers, the model) in their onClose hooks.
      await app.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: options.port, host: options.host });
}

/**
 * Runs an entry point's start-up and turns any failure into one readable line and exit code 1,
 * never a stack trace (the full error still goes to the debug log).
 */
export async function runMain(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${name}: ${message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    process.exit(1);
  }
}
