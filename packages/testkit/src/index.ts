export * from './data.ts';
export * from './net.ts';
export * from './process.ts';
export * from './rows.ts';
