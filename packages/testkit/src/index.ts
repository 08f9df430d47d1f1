export * from './data.ts';
export * from './net.ts';
export * from './process.ts';
