#!/usr/bin/env node
// Builds the runtime folder of one Node service for its image (also runnable outside Docker to check
// the result: `node docker/bundle.mjs services/inference-api src/server.ts /tmp/app`).
// Usage: node docker/bundle.mjs <app dir> [entry] [out dir] [extra entries, comma-separated]
// The entry becomes <out>/dist/main.mjs, each extra entry <out>/dist/<its file name>.mjs.
//
// Why a bundle: the workspace runs TypeScript through tsx with no build step, and `pnpm deploy --prod`
// would ship ~70 MB of node_modules plus tsx/esbuild. One esbuild bundle per service carries only the
// code that is reached, so the inference image stays well under 300 MB. What cannot be bundled stays
// external and is copied with its siblings: native addons (onnxruntime-node) and packages that read
// their own files at run time (Swagger UI's static assets, copied next to the bundle).
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [appDir, entry = 'src/server.ts', outDir = '/app', extras = ''] = process.argv.slice(2);
if (!appDir) {
  console.error('usage: node docker/bundle.mjs <app dir, e.g. services/inference-api> [entry] [out dir]');
  process.exit(2);
}
const appRoot = path.resolve(repoRoot, appDir);
const entryPoints = { main: path.join(appRoot, entry) };
for (const extra of extras.split(',').filter(Boolean)) {
  entryPoints[path.basename(extra).replace(/\.[cm]?ts$/, '')] = path.join(appRoot, extra);
}
for (const file of Object.values(entryPoints)) {
  if (!existsSync(file)) {
    console.error(`bundle: entry point ${file} does not exist (expected <app dir>/<entry>)`);
    process.exit(2);
  }
}

// esbuild comes with tsx (a root dev dependency), so the build stage needs nothing extra.
const requireFromRoot = createRequire(path.join(repoRoot, 'package.json'));
const esbuild = createRequire(requireFromRoot.resolve('tsx/package.json'))('esbuild');

// Native addons, and optional pretty-printing that production never loads (NODE_ENV=production).
const EXTERNAL = ['onnxruntime-node', 'pino-pretty'];

rmSync(outDir, { recursive: true, force: true });
mkdirSync(path.join(outDir, 'dist'), { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: EXTERNAL,
  legalComments: 'linked',
  logLevel: 'warning',
  outdir: path.join(outDir, 'dist'),
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies inside an ESM bundle still call require() and read __dirname.
  banner: {
    js: [
      "import { createRequire as __bundleRequire } from 'node:module';",
      "import { fileURLToPath as __bundleToPath } from 'node:url';",
      "import { dirname as __bundleDirname } from 'node:path';",
      'const require = __bundleRequire(import.meta.url);',
      'const __filename = __bundleToPath(import.meta.url);',
      'const __dirname = __bundleDirname(__filename);',
    ].join('\n'),
  },
};
const { metafile } = await esbuild.build({ ...common, entryPoints, metafile: true });
const metafiles = [metafile];

// Worker threads are started from a file next to the code (new URL('./worker-entry.mjs', import.meta.url)),
// which esbuild leaves as is: bundle each worker to that name beside main.mjs. In the workspace the
// entry registers tsx and imports worker.ts; in the image the bundled worker.ts is the whole worker.
const WORKERS = [
  {
    pool: 'packages/tree-ensemble/src/search/worker-pool.ts',
    name: 'worker-entry',
    source: 'packages/tree-ensemble/src/search/worker.ts',
  },
];
for (const worker of WORKERS) {
  const used = Object.keys(metafile.inputs).some(
    (input) => path.resolve(input) === path.join(repoRoot, worker.pool),
  );
  if (used)
    await esbuild.build({ ...common, entryPoints: { [worker.name]: path.join(repoRoot, worker.source) } });
}

// Externals the bundles import (pino-pretty is only named, never loaded in production): copy each
// with its sibling dependencies (pnpm keeps them side by side in .pnpm/<name>@<version>/node_modules),
// dereferencing links. They may be dependencies of a workspace package rather than of the service.
const imported = new Set(
  metafiles.flatMap((meta) =>
    Object.values(meta.outputs).flatMap((output) =>
      output.imports.filter((i) => i.external && EXTERNAL.includes(i.path)).map((i) => i.path),
    ),
  ),
);
imported.delete('pino-pretty');
const packageDirs = [
  appRoot,
  ...['packages', 'services'].flatMap((group) => {
    const dir = path.join(repoRoot, group);
    return readdirSync(dir).map((name) => path.join(dir, name));
  }),
  path.join(repoRoot, 'dags'),
];
const modules = path.join(outDir, 'node_modules');
for (const name of imported) {
  const link = packageDirs.map((dir) => path.join(dir, 'node_modules', name)).find((p) => existsSync(p));
  if (!link) throw new Error(`bundle: ${name} is imported but installed in no workspace package`);
  const siblings = path.dirname(realpathSync(link));
  for (const dep of readdirSync(siblings)) {
    if (dep === '.bin') continue;
    cpSync(path.join(siblings, dep), path.join(modules, dep), { recursive: true, dereference: true });
  }
}

// onnxruntime-node ships binaries for every OS and CPU: keep only this machine's.
const ortBin = path.join(modules, 'onnxruntime-node/bin');
if (existsSync(ortBin)) {
  for (const napi of readdirSync(ortBin)) {
    for (const os of readdirSync(path.join(ortBin, napi))) {
      const osDir = path.join(ortBin, napi, os);
      if (os !== process.platform) rmSync(osDir, { recursive: true, force: true });
      else
        for (const arch of readdirSync(osDir))
          if (arch !== process.arch) rmSync(path.join(osDir, arch), { recursive: true, force: true });
    }
  }
}

// @fastify/swagger-ui serves its assets from <its dir>/static and reads <its dir>/static/logo.svg;
// inside the bundle "its dir" is dist/, and routes.js looks one level up.
const serviceKit = path.join(repoRoot, 'packages/service-kit');
const swaggerUi = path.dirname(
  createRequire(path.join(serviceKit, 'package.json')).resolve('@fastify/swagger-ui/package.json'),
);
cpSync(path.join(swaggerUi, 'static'), path.join(outDir, 'static'), { recursive: true, dereference: true });
mkdirSync(path.join(outDir, 'dist/static'), { recursive: true });
cpSync(path.join(swaggerUi, 'static/logo.svg'), path.join(outDir, 'dist/static/logo.svg'));

writeFileSync(
  path.join(outDir, 'package.json'),
  `${JSON.stringify({ name: path.basename(appDir), private: true, type: 'module', main: 'dist/main.mjs' }, null, 2)}\n`,
);
console.log(
  `bundle: ${appDir} -> ${Object.keys(entryPoints)
    .map((n) => `${outDir}/dist/${n}.mjs`)
    .join(', ')}`,
);
