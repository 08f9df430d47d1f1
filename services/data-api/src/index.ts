export * from './app.ts';
export * from './batches/batch-plan.ts';
export * from './config.ts';
export * from './data-service.ts';
export * from './dataset/dataset.ts';
export * from './state/state-store.ts';
