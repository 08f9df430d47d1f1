// The mc subcommands the stack runs: `mc ready ALIAS`, `mc alias set NAME URL KEY SECRET` (checked with a
// signed ListBuckets, as mc does), `mc mb [--ignore-existing] ALIAS/BUCKET`. Aliases live in ~/.mc-aliases.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signedFetch } from './sigv4.mjs';

const file = path.join(os.homedir(), '.mc-aliases.json');
const aliases = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
aliases.local ??= {
  url: 'http://127.0.0.1:9000',
  accessKey: process.env.MINIO_ROOT_USER,
  secretKey: process.env.MINIO_ROOT_PASSWORD,
};
const fail = (message) => {
  console.error(`mc: ${message}`);
  process.exit(1);
};
const args = process.argv.slice(2);
const [command, ...rest] = args;

if (command === 'ready') {
  const alias = aliases[rest[0] ?? 'local'] ?? fail(`unknown alias ${rest[0]}`);
  const res = await fetch(alias.url, { signal: AbortSignal.timeout(3000) }).catch((err) =>
    fail(`${alias.url} unreachable: ${err.cause?.code ?? err.message}`),
  );
  console.log(`The cluster is ready (HTTP ${res.status})`);
} else if (command === 'alias' && rest[0] === 'set') {
  const [, name, url, accessKey, secretKey] = rest;
  if (!name || !url || !accessKey || !secretKey) fail('usage: mc alias set NAME URL ACCESS_KEY SECRET_KEY');
  const res = await signedFetch('GET', `${url}/`, { accessKey, secretKey }).catch((err) =>
    fail(`${url} unreachable: ${err.cause?.code ?? err.message}`),
  );
  if (!res.ok) fail(`${url} refused the credentials: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  aliases[name] = { url, accessKey, secretKey };
  writeFileSync(file, JSON.stringify(aliases));
  console.log(`Added \`${name}\` successfully.`);
} else if (command === 'mb') {
  const ignoreExisting = rest.includes('--ignore-existing') || rest.includes('-p');
  const target =
    rest.find((a) => !a.startsWith('-')) ?? fail('usage: mc mb [--ignore-existing] ALIAS/BUCKET');
  const [name, bucket] = target.split('/');
  const alias = aliases[name] ?? fail(`unknown alias ${name}`);
  const res = await signedFetch('PUT', `${alias.url}/${bucket}`, alias);
  const body = await res.text();
  if (res.ok) console.log(`Bucket created successfully \`${target}\`.`);
  else if (ignoreExisting && /BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(body))
    console.log(`Bucket \`${target}\` already exists.`);
  else fail(`cannot create ${target}: HTTP ${res.status} ${body.slice(0, 200)}`);
} else {
  fail(`unsupported command in this stand-in: ${args.join(' ')}`);
}
