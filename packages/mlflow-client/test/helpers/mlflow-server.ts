import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { artifactRepository, createS3Client, LocalArtifactRepository } from '../../src/artifacts/index.ts';
import { loadMlflowConfig } from '../../src/config.ts';
import { MlflowError } from '../../src/errors.ts';
import type { Args } from './mlflow-args.ts';
import { ROUTES } from './mlflow-handlers.ts';
import { aliasHandler } from './mlflow-registry-routes.ts';
import { MlflowState, omitEmpty } from './mlflow-state.ts';

export interface MlflowTestServerOptions {
  /** Fixed port (e.g. to start the server after a client began retrying); default: ephemeral. */
  port?: number;
  /**
   * Default artifact root for new experiments: `mlflow-artifacts:` (default, as `mlflow server
   * --serve-artifacts`) or an `s3://bucket/prefix` (as `--default-artifact-root s3://…`).
   */
  defaultArtifactRoot?: string;
  /** Where proxied artifacts are kept (`--artifacts-destination`); default: a temp dir removed on close. */
  artifactsDestination?: string;
  /** false answers the proxied artifact routes with 503, as `--no-serve-artifacts` does. */
  serveArtifacts?: boolean;
  /** Require auth like `--app-name basic-auth` (or a token-checking proxy). */
  auth?: { username: string; password: string } | { token: string };
  /** S3 settings the server itself uses for `s3://` roots (runs-scoped artifacts/list), e.g. startS3Server().env. */
  s3Env?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body?: Args;
}

export interface Fault {
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Only requests whose path contains this. */
  pathIncludes?: string;
  /** Answer with this status (JSON error body for MLflow codes, plain text for 502/503) ... */
  status?: number;
  /** A Retry-After header (seconds or an HTTP date) on that answer. */
  retryAfter?: string;
  /** ... or drop the connection without an answer. */
  reset?: boolean;
  /**
   * The server dies at this request: it and every later one are dropped without an answer until
   * restart(), which brings it back with its store intact (as a killed `mlflow server` restarted on
   * the same database). Lets a test stop the server at an exact step of a client's work.
   */
  down?: boolean;
}

export interface MlflowTestServer {
  /** http://127.0.0.1:<port>, for MLFLOW_TRACKING_URI */
  url: string;
  port: number;
  state: MlflowState;
  /** Every request received (API and artifacts), oldest first. */
  requests: RecordedRequest[];
  /** Makes the next matching requests fail (to test retries). */
  fail: (fault: Fault) => void;
  /** Forgets pending faults and brings a server a `down` fault stopped back up, its store intact. */
  restart: () => void;
  /** True while a `down` fault keeps the server stopped. */
  readonly isDown: boolean;
  artifactsDestination: string;
  close: () => Promise<void>;
}

const API = '/api/2.0/mlflow/';
const AJAX = '/ajax-api/2.0/mlflow/';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/';

function htmlPage(status: number, title: string, text: string): string {
  return `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${text}</p>\n`;
}

async function readBody(stream: Readable | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** MLflow's protobuf parsing: an unknown enum spelling stops parsing, dropping it and every later key. */
function applyEnumQuirk(args: Args, enums: Record<string, readonly (string | number)[]> | undefined): Args {
  if (!enums) return args;
  const out: Args = {};
  for (const [key, value] of Object.entries(args)) {
    const allowed = enums[key];
    if (allowed && !allowed.includes(value as string)) break;
    out[key] = value;
  }
  return out;
}

/** An in-repo MLflow 2.x tracking server for tests; test/contract.test.ts checks it behaves as MLflow does. */
export async function startMlflowTestServer(
  options: MlflowTestServerOptions = {},
): Promise<MlflowTestServer> {
  const ownDestination = options.artifactsDestination === undefined;
  const destination = options.artifactsDestination ?? (await mkdtemp(path.join(os.tmpdir(), 'mlartifacts-')));
  const state = new MlflowState(options.defaultArtifactRoot ?? 'mlflow-artifacts:');
  const requests: RecordedRequest[] = [];
  const s3Config = loadMlflowConfig({ ...options.s3Env });
  state.listArtifacts = async (rootUri, rel) => {
    // The server reads mlflow-artifacts: runs from its --artifacts-destination, other roots directly.
    const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(rootUri);
    const repo = proxied
      ? new LocalArtifactRepository(path.join(destination, ...proxied[1]!.split('/').filter(Boolean)))
      : artifactRepository(rootUri, {
          s3: () => createS3Client(s3Config.s3),
          partSizeBytes: s3Config.s3.partSizeBytes,
        });
    return repo.list(rel);
  };
  const faults: Fault[] = [];
  let down = false;
  const app = Fastify({ logger: false, bodyLimit: 2 ** 31 });
  // Bodies reach the handlers raw: MLflow's own parsing rules are emulated below.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  const expectedAuth = options.auth
    ? 'token' in options.auth
      ? `Bearer ${options.auth.token}`
      : `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`
    : undefined;

  app.addHook('onRequest', async (request, reply) => {
    const url = { pathname: request.url.split('?')[0]! }; // not new URL(): it would resolve %2E%2E away
    requests.push({
      method: request.method,
      path: url.pathname,
      query: request.query as Record<string, unknown>,
      headers: request.headers,
    });
    const fault = faults.find(
      (f) => (f.times ?? 1) > 0 && (!f.pathIncludes || url.pathname.includes(f.pathIncludes)),
    );
    if (fault?.down) down = true;
    if (down) {
      request.raw.socket.destroy();
      return reply;
    }
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.reset) {
        request.raw.socket.destroy();
        return reply;
      }
      const status = fault.status ?? 503;
      if (fault.retryAfter !== undefined) reply.header('Retry-After', fault.retryAfter);
      if (status === 502 || status === 503)
        return reply.code(status).type('text/html').send('upstream not ready');
      const code =
        status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
      return reply.code(status).send({ error_code: code, message: `injected failure ${status}` });
    }
    if (expectedAuth && url.pathname !== '/health' && request.headers.authorization !== expectedAuth) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Basic realm="mlflow"')
        .type('text/plain')
        .send('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html');
    }
  });

  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_req, reply) => reply.type('text/plain').send('2.17.2'));

  const sendError = (reply: FastifyReply, err: unknown) => {
    if (err instanceof MlflowError)
      return reply
        .code(err.status)
        .send({ error_code: err.code, message: err.message.replace(/^[A-Z_]+: /, '') });
    return reply
      .code(500)
      .send({ error_code: 'INTERNAL_ERROR', message: String((err as Error)?.message ?? err) });
  };

  const api = async (request: FastifyRequest, reply: FastifyReply, prefix: string) => {
    const url = { pathname: request.url.split('?')[0]! }; // not new URL(): it would resolve %2E%2E away
    const route = url.pathname.slice(prefix.length);
    const spec = ROUTES[route];
    if (!spec)
      return reply
        .code(404)
        .type('text/html')
        .send(htmlPage(404, 'Not Found', 'The requested URL was not found on the server.'));
    const method = request.method;
    if (!spec.methods.includes(method)) {
      return reply
        .code(405)
        .type('text/html')
        .send(htmlPage(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.'));
    }
    let args: Args;
    if (method === 'GET') {
      args = request.query as Args;
    } else {
      const raw = await readBody(request.body as Readable | undefined);
      const type = String(request.headers['content-type'] ?? '');
      if ((method === 'POST' || method === 'PUT') && !/^application\/json\b/i.test(type)) {
        return sendError(
          reply,
          new MlflowError(
            'INVALID_PARAMETER_VALUE',
            `Bad Request. Content-Type must be 'application/json'; got '${type}'.`,
            400,
          ),
        );
      }
      try {
        const parsed = JSON.parse(raw.toString('utf8') || '{}');
        args = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
      } catch {
        args = {}; // MLflow reads an unparsable body as {}.
      }
      args = applyEnumQuirk(args, spec.enums);
    }
    requests.at(-1)!.body = args;
    try {
      const result =
        route === 'registered-models/alias'
          ? aliasHandler(method, args, state)
          : await spec.handler(args, state);
      return reply
        .code(200)
        .type('application/json')
        .send(JSON.stringify(omitEmpty(result)));
    } catch (err) {
      return sendError(reply, err);
    }
  };
  app.all(`${API}*`, (req, reply) => api(req, reply, API));
  app.all(`${AJAX}*`, (req, reply) => api(req, reply, AJAX));

  app.all(`${ARTIFACTS}*`, async (request, reply) => {
    if (options.serveArtifacts === false) {
      return reply
        .code(503)
        .type('text/html')
        .send(
          'Endpoint: /api/2.0/mlflow-artifacts disabled due to the mlflow server running with `--no-serve-artifacts`.',
        );
    }
    const url = { pathname: request.url.split('?')[0]! }; // not new URL(): it would resolve %2E%2E away
    const rest = url.pathname.slice(ARTIFACTS.length);
    const decoded = rest.split('/').map(decodeURIComponent);
    const [kind, ...segments] = decoded;
    if (kind === 'mpu') {
      return sendError(
        reply,
        new MlflowError(
          'NOT_IMPLEMENTED',
          'Multipart upload is not supported by the local artifact repository',
          501,
        ),
      );
    }
    if (kind !== 'artifacts')
      return reply
        .code(404)
        .type('text/html')
        .send(htmlPage(404, 'Not Found', 'Not found'));
    const rel = segments.join('/');
    if (segments.includes('..') || rel.startsWith('/'))
      return sendError(reply, new MlflowError('INVALID_PARAMETER_VALUE', 'Invalid path', 400));
    const file = path.join(destination, ...segments);
    if (request.method === 'GET' && segments.length === 0) {
      const dirRel = String((request.query as Record<string, unknown>).path ?? '');
      if (dirRel.split('/').includes('..'))
        return sendError(reply, new MlflowError('INVALID_PARAMETER_VALUE', 'Invalid path', 400));
      const dir = path.join(destination, ...dirRel.split('/').filter(Boolean));
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const files = await Promise.all(
        entries.map(async (e) =>
          e.isDirectory()
            ? { path: e.name, is_dir: true }
            : { path: e.name, is_dir: false, file_size: (await stat(path.join(dir, e.name))).size },
        ),
      );
      return reply.send(omitEmpty({ files }));
    }
    if (request.method === 'GET') {
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        // MLflow answers a missing proxied artifact with a 500, not a 404.
        return sendError(
          reply,
          new MlflowError('INTERNAL_ERROR', `[Errno 2] No such file or directory: '${file}'`, 500),
        );
      }
      const type =
        file.endsWith('MLmodel') || file.endsWith('.txt') || file.endsWith('.yaml')
          ? 'text/plain'
          : 'application/octet-stream';
      reply.header('Content-Disposition', `attachment; filename=${path.basename(file)}`).type(type);
      return reply.send(createReadStream(file));
    }
    if (request.method === 'PUT') {
      await mkdir(path.dirname(file), { recursive: true });
      const body = request.body as Readable | undefined;
      if (body) await pipeline(body, createWriteStream(file));
      else await pipeline(async function* () {}, createWriteStream(file));
      return reply.send({});
    }
    return reply
      .code(405)
      .type('text/html')
      .send(htmlPage(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.'));
  });

  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    requests,
    fail: (fault) => faults.push({ times: 1, ...fault }),
    restart: () => {
      faults.length = 0;
      down = false;
    },
    get isDown() {
      return down;
    },
    artifactsDestination: destination,
    close: async () => {
      await app.close();
      if (ownDestination) await rm(destination, { recursive: true, force: true });
    },
  };
}
