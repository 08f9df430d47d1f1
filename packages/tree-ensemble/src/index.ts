export * from './binning.ts';
export * from './features.ts';
export * from './gradient-boosting.ts';
export * from './model.ts';
export * from './onnx-export.ts';
export * from './random.ts';
export * from './split.ts';
