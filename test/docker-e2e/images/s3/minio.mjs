// `minio server DIR [--console-address ...]`: s3rver on 0.0.0.0:9000 storing into DIR, accepting only the
// root credentials from the environment (as MinIO's root account), signatures checked.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const Account = require('s3rver/lib/models/account');

const [command, directory = '/data'] = process.argv.slice(2);
if (command !== 'server') {
  console.error(`minio stand-in: only "server DIR" is supported, got ${process.argv.slice(2).join(' ')}`);
  process.exit(2);
}
const user = process.env.MINIO_ROOT_USER;
const password = process.env.MINIO_ROOT_PASSWORD;
if (!user || !password) {
  console.error('minio stand-in: MINIO_ROOT_USER and MINIO_ROOT_PASSWORD are required');
  process.exit(2);
}
Account.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
Account.DUMMY_ACCOUNT.createKeyPair(user, password);
// Path-style only: the stack reaches it as http://minio:9000, which must not be read as bucket "minio".
const server = new S3rver({ address: '0.0.0.0', port: 9000, directory, silent: true, vhostBuckets: false });
const { port } = await server.run();
console.log(`minio stand-in: s3rver on :${port}, data in ${directory}`);
for (const signal of ['SIGTERM', 'SIGINT'])
  process.once(signal, () => server.close().then(() => process.exit(0)));
