// Test stand-in for the mlflow image (no MLflow can be installed here): the in-repo MLflow-compatible test
// server (packages/mlflow-client/test/helpers), bundled by the e2e with esbuild. Like the real entrypoint
// it reads MLFLOW_ARTIFACTS_BUCKET and the S3 settings: new experiments get s3://<bucket>/ as artifact root,
// so the trainer and the inference API write and read the artifacts in the S3 stand-in themselves.
// Runs, models and aliases are kept in memory (MLFLOW_BACKEND_STORE_URI is not used).
import net from 'node:net';
import { startMlflowTestServer } from '../../../../packages/mlflow-client/test/helpers/mlflow-server.ts';

const bucket = process.env.MLFLOW_ARTIFACTS_BUCKET;
if (!bucket) {
  console.error('mlflow stand-in: MLFLOW_ARTIFACTS_BUCKET is required');
  process.exit(2);
}
const s3Env = Object.fromEntries(
  ['MLFLOW_S3_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_DEFAULT_REGION']
    .filter((k) => process.env[k])
    .map((k) => [k, process.env[k] as string]),
);
const server = await startMlflowTestServer({ defaultArtifactRoot: `s3://${bucket}/`, s3Env });
// The test server listens on 127.0.0.1 only: forward the container's port to it.
const port = Number(process.env.MLFLOW_PORT ?? 5000);
const forward = net.createServer((client) => {
  const upstream = net.connect(server.port, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
});
forward.listen(port, '0.0.0.0', () =>
  console.log(`mlflow stand-in on :${port}, artifacts in s3://${bucket}/`),
);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    forward.close();
    void server.close().then(() => process.exit(0));
  });
