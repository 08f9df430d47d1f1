export * from './open-loop.ts';
