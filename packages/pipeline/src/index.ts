export * from './dag/define.ts';
export * from './dag/run.ts';
export * from './data-api-client.ts';
export * from './split.ts';
export * from './store/index.ts';
export * from './tasks/ingest.ts';
export * from './tasks/prepare.ts';
