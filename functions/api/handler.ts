import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AlreadyExistsError, BusyError, NotFoundError, ValidationError } from '#shared/errors.js';
import { type ApiResult, HttpError, statusBody } from './http.js';
import { type ApiDeps, ROUTES, type Route } from './routes.js';

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

const compiled: CompiledRoute[] = ROUTES.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
});

/** The route for a method and path, with its path parameters; 404 or 405 otherwise. */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } {
  const matches = compiled.filter((c) => c.pattern.test(path));
  if (matches.length === 0) throw new HttpError(404, 'NotFound', `no API route ${path}`);
  const hit = matches.find((c) => c.route.method === method);
  if (!hit)
    throw new HttpError(
      405,
      'MethodNotAllowed',
      `${method} is not allowed on ${path} (allowed: ${matches.map((m) => m.route.method).join(', ')})`,
    );
  const values = hit.pattern.exec(path)!.slice(1);
  let params: Record<string, string>;
  try {
    params = Object.fromEntries(hit.names.map((n, i) => [n, decodeURIComponent(values[i]!)]));
  } catch {
    throw new HttpError(400, 'BadRequest', `the path ${path} is not valid percent-encoding`);
  }
  return { route: hit.route, params };
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearer(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers.authorization ?? headers.Authorization;
  const match = typeof value === 'string' && /^Bearer\s+(\S+)$/i.exec(value);
  return match ? match[1] : undefined;
}

function errorResult(e: unknown, log: (message: string) => void): ApiResult {
  if (e instanceof HttpError) return { status: e.status, body: statusBody(e.status, e.reason, e.message, e.causes) };
  if (e instanceof ValidationError) return { status: 400, body: statusBody(400, 'Invalid', e.message, e.issues) };
  if (e instanceof NotFoundError) return { status: 404, body: statusBody(404, 'NotFound', e.message) };
  if (e instanceof AlreadyExistsError) return { status: 409, body: statusBody(409, 'AlreadyExists', e.message) };
  if (e instanceof BusyError) return { status: 409, body: statusBody(409, 'Conflict', e.message) };
  // A bug, not the caller's mistake: logged here (without the request, which may carry secrets), and
  // answered without internals.
  log(`internal error: ${(e as Error).stack ?? String(e)}`);
  return { status: 500, body: statusBody(500, 'InternalError', 'internal error; the server log has the details') };
}

/** Handles one API request given as an API Gateway HTTP API (payload 2.0) event. */
export async function handleApiEvent(
  deps: ApiDeps,
  event: APIGatewayProxyEventV2,
  log: (message: string) => void = (m) => console.error(m),
): Promise<APIGatewayProxyStructuredResultV2> {
  let result: ApiResult;
  try {
    const method = event.requestContext.http.method.toUpperCase();
    const { route, params } = matchRoute(method, event.rawPath);
    const token = bearer(event.headers ?? {});
    const principal = deps.gatewayPrincipal?.(event) ?? (token ? deps.auth.principal(token) : undefined);
    if (!principal) throw new HttpError(401, 'Unauthorized', 'send the access token as "Authorization: Bearer <token>"');
    if (principal.kind === 'trial' && !route.trialToken)
      throw new HttpError(403, 'Forbidden', 'a trial token may only push its own observations');
    const body = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
    result = await route.handle({
      deps,
      principal,
      params,
      query: event.queryStringParameters ?? {},
      contentType: event.headers?.['content-type'] ?? '',
      body,
    });
  } catch (e) {
    result = errorResult(e, log);
  }
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...result.headers },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}

/** The Lambda handler; its dependencies may still be resolving (the AWS ones read a secret at cold start). */
export const createApiHandler = (deps: ApiDeps | Promise<ApiDeps>) =>
  middy(async (event: APIGatewayProxyEventV2) => handleApiEvent(await deps, event));
