export * from './columns.ts';
export * from './cover-type.ts';
export * from './csv.ts';
export * from './features.ts';
export * from './model-io.ts';
export * from './row.ts';
export * from './soil.ts';
export * from './wilderness.ts';
