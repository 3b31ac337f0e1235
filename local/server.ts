import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ApiAuth, newToken, TokenAuth } from '#functions/api/auth.js';
import { bearer, handleApiEvent } from '#functions/api/handler.js';
import { statusBody } from '#functions/api/http.js';
import type { ApiDeps } from '#functions/api/routes.js';
import { isExperimentFinished, STOPPED_REASON } from '#shared/experiment/states.js';
import { LocalExperimentRunner } from './experiment-runner.js';
import { homePaths } from './home.js';
import { LocalJobRunner } from './job-runner.js';
import { LocalLogReader } from './logs.js';
import { PrometheusTelemetry } from './prometheus.js';
import { localRunIssues } from './run-issues.js';
import { otherRunner } from './runner-claim.js';
import { type LocalRuntime, openLocalRuntime } from './runtime.js';
import { readNamespaceTokens } from './tokens.js';

/** Request bodies above this are refused (413): an Experiment is a few kilobytes. */
const MAX_BODY = 1024 * 1024;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
/** Where the built UI is (scripts/build.mjs writes it). */
export const UI_DIR = new URL('../dist/ui/', import.meta.url);

export interface LocalServerOptions {
  home: string;
  /** 0 picks a free port. */
  port: number;
  /** The environment trials inherit, and where TUNESTEP_TOKEN is read. */
  env: Record<string, string | undefined>;
  /** The folder relative trial commands of submitted experiments run in. */
  workdir: string;
  /** Where server-side errors go (never request bodies or tokens). */
  log?: (message: string) => void;
}

export interface LocalServer {
  url: string;
  /** The URL that opens the UI with the token, as Jupyter prints it. */
  uiUrl: string;
  token: string;
  /** Experiments the server took over at start (`namespace/name`). */
  resumed: string[];
  runtime: LocalRuntime;
  runner: LocalExperimentRunner;
  jobs: LocalJobRunner;
  auth: ApiAuth;
  close(): Promise<void>;
}

/** A secret kept under the home folder, made on first use and readable by its owner only. */
function homeSecret(home: string, file: string): string {
  const path = join(home, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(home, { recursive: true });
  const secret = newToken();
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** An API Gateway HTTP API (payload 2.0) event for a local request, so that the Lambda handler serves it unchanged. */
function toEvent(req: IncomingMessage, url: URL, body: string): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const query = Object.fromEntries(url.searchParams.entries());
  const method = req.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
  };
}

async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
  const root = UI_DIR.pathname;
  // Client-side routes (/experiments/...) get the app's page; files are served from the UI folder only.
  const relative = normalize(pathname).replace(/^(\.\.[/\\])+/, '');
  const file = extname(relative) ? join(root, relative) : join(root, 'index.html');
  if (!file.startsWith(root)) return send(res, 404, 'text/plain', 'not found');
  try {
    const data = await readFile(file);
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(data);
  } catch {
    if (!existsSync(root)) return send(res, 503, 'text/plain', 'the web UI is not built: run npm run build');
    send(res, 404, 'text/plain', 'not found');
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/**
 * `tunestep server`: the HTTP API (the same handler as the Lambda behind API Gateway), the web UI and
 * the experiment loops of everything submitted through it, on 127.0.0.1 only.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  // Local mode talks to dynalite through the AWS SDK, whose Node.js-version notice says nothing to users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const runtime = await openLocalRuntime(options.home, options.env);
  const token = options.env.TUNESTEP_TOKEN || homeSecret(options.home, 'server-token');
  const auth = new TokenAuth(token, readNamespaceTokens(options.home), homeSecret(options.home, 'trial-secret'));
  const paths = homePaths(options.home);
  const telemetry = await PrometheusTelemetry.create(runtime.deps.store);
  runtime.deps.telemetry = telemetry;
  const jobs = new LocalJobRunner(
    runtime.deps.store,
    paths.jobs,
    options.env,
    (ns, name, e) => log(`job ${ns}/${name}: ${e.message}`),
    telemetry,
  );
  const runner = new LocalExperimentRunner(runtime.deps, (ns, name, e) =>
    log(`experiment ${ns}/${name}: loop ended with an error: ${e.message}`),
  );
  const deps: ApiDeps = {
    use: runtime.deps,
    runner,
    logs: new LocalLogReader(paths.logs, paths.jobs),
    jobs,
    auth,
    identity: () => ({ uid: randomUUID(), seed: randomInt(2 ** 31) }),
    runIssues: (exp) => localRunIssues(exp, { push: true }),
    workdir: options.workdir,
  };
  // Prometheus' scrape endpoint, outside /v1 as Prometheus expects, behind the admin token (bearer_token in the scrape config).
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const token = bearer(req.headers);
    if (!token || auth.principal(token)?.kind !== 'admin') {
      const body = statusBody(401, 'Unauthorized', 'send the access token as "Authorization: Bearer <token>"');
      return send(res, 401, 'application/json', JSON.stringify(body));
    }
    send(res, 200, telemetry.registry.contentType, await telemetry.registry.metrics());
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/metrics') return serveMetrics(req, res);
      if (!url.pathname.startsWith('/v1/') && url.pathname !== '/v1') return serveStatic(res, url.pathname);
      const body = await readBody(req);
      if (body === undefined)
        return send(
          res,
          413,
          'application/json',
          JSON.stringify(statusBody(413, 'RequestEntityTooLarge', `request bodies are limited to ${MAX_BODY} bytes`)),
        );
      const out = await handleApiEvent(deps, toEvent(req, url, body), log);
      res.writeHead(out.statusCode ?? 200, out.headers as Record<string, string>);
      res.end(out.body ?? '');
    })().catch((e: Error) => {
      log(`internal error: ${e.stack ?? e.message}`);
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify(statusBody(500, 'InternalError', 'internal error')));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  runtime.deps.trialEnv = (namespace, trial) => ({ TUNESTEP_API_URL: url, TUNESTEP_TRIAL_TOKEN: auth.trialToken(namespace, trial) });
  // As Katib's controller does, the server continues every experiment nobody is driving: left behind by
  // a previous server or a crashed `tunestep run` (not the ones stopped on purpose).
  const resumed: string[] = [];
  for (const record of await runtime.deps.store.listExperiments()) {
    if (isExperimentFinished(record.state) || record.reason === STOPPED_REASON || otherRunner(record) !== undefined) continue;
    try {
      await runner.start(record.namespace, record.name);
      resumed.push(`${record.namespace}/${record.name}`);
    } catch (e) {
      log(`experiment ${record.namespace}/${record.name}: not resumed: ${(e as Error).message}`);
    }
  }
  return {
    url,
    uiUrl: `${url}/?token=${encodeURIComponent(token)}`,
    token,
    resumed,
    runtime,
    runner,
    jobs,
    auth,
    close: async () => {
      await Promise.all([runner.stopAll(), jobs.stopAll()]);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await runtime.close();
    },
  };
}
