import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** pino with JSON lines in production; pretty output only when a person watches a terminal. */
export function createLogger(name: string, level = 'info', options: LoggerOptions = {}): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({
    name,
    level,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } }
      : {}),
    ...options,
  });
}
