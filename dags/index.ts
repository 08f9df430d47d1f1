export * from './covertype-training.ts';
