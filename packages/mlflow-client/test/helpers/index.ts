// Test helpers for packages that talk to MLflow: `import { ... } from '@covertype/mlflow/testing'`.
// Test code only; product code never imports this.
export type { Fault, MlflowTestServer, MlflowTestServerOptions, RecordedRequest } from './mlflow-server.ts';
export { startMlflowTestServer } from './mlflow-server.ts';
export { fakeOnnxModel } from './model.ts';
export { startS3Server, type TestS3Server } from './s3-server.ts';
