export * from './app.ts';
export * from './config.ts';
export * from './errors.ts';
export * from './logger.ts';
export * from './net.ts';
export * from './paths.ts';
export * from './server.ts';
