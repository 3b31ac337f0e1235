import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { stringify } from 'yaml';
import { TokenAuth } from '#functions/api/auth.js';
import { createApiHandler } from '#functions/api/handler.js';
import type { ApiDeps } from '#functions/api/routes.js';
import { gatewayPrincipal } from '#functions/aws/deps.js';
import { createPlanTrialHandler } from '#functions/plan-trial/handler.js';
import { InMemoryExperimentStore } from '#shared/adapters/in-memory-experiment-store.js';
import { checkExperiment } from '#shared/spec/load.js';
import { createExperiment } from '#shared/use-cases/create-experiment.js';
import { FIXTURES, fixtureExperiment } from '../helpers.js';

// The Lambda handlers called as Lambda calls them, with events of the shapes AWS sends (fixtures under
// test/fixtures/events). Bad input is answered 4xx with the field's path, never 5xx.

const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, 'events', name), 'utf8'));
const clock = { now: () => '2026-11-30T12:00:00.000Z' };
const context = {} as never;

function apiDeps(): { deps: ApiDeps; started: string[] } {
  const store = new InMemoryExperimentStore();
  const started: string[] = [];
  const launcher = {
    run: async () => ({ outcome: 'succeeded' as const, reason: '', message: '' }),
    terminate: async () => {},
    reap: async () => {},
  };
  const deps: ApiDeps = {
    use: { store, launcher, clock },
    runner: { start: async (ns, name) => void started.push(`${ns}/${name}`), stop: async () => {}, isRunning: () => false },
    logs: { readTrial: async () => undefined, readJob: async () => undefined },
    jobs: { start: async () => {}, stop: async () => {}, isRunning: () => false },
    auth: new TokenAuth('not-used-on-aws', [], 'secret'),
    identity: () => ({ uid: 'uid-1', seed: 1 }),
    gatewayPrincipal,
  };
  return { deps, started };
}

/** The fixture event with another method, path, body or authorizer. */
function event(change: {
  method?: string;
  path?: string;
  body?: string;
  base64?: boolean;
  authorizer?: unknown;
  headers?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const e = fixture('apigw-v2-create-experiment.json');
  if (change.method) e.requestContext.http.method = change.method;
  if (change.path) e.rawPath = e.requestContext.http.path = change.path;
  if (change.body !== undefined) {
    e.body = change.base64 ? Buffer.from(change.body).toString('base64') : change.body;
    e.isBase64Encoded = Boolean(change.base64);
  }
  if (change.authorizer !== undefined) e.requestContext.authorizer = change.authorizer;
  Object.assign(e.headers, change.headers);
  return e;
}

const experimentYaml = (change: (d: Record<string, any>) => void = () => {}) => {
  const d = fixtureExperiment('objective.yaml');
  change(d);
  return stringify(d);
};

describe('the API Lambda with API Gateway HTTP API (payload 2.0) events', () => {
  it('creates an experiment for an IAM-authorized caller, from a base64-encoded body too, and starts it', async () => {
    const { deps, started } = apiDeps();
    const handler = createApiHandler(deps);
    const out = await handler(event({ body: experimentYaml(), base64: true }), context);
    expect(out.statusCode).toBe(201);
    expect(JSON.parse(out.body!).metadata).toMatchObject({ name: 'objective', namespace: 'kubeflow', uid: 'uid-1' });
    expect(started).toEqual(['kubeflow/objective']);
  });

  it('scopes a JWT caller with a tunestep:namespace claim to that namespace', async () => {
    const { deps } = apiDeps();
    const handler = createApiHandler(deps);
    const jwt = { jwt: { claims: { sub: 'bob', 'tunestep:namespace': 'team-b' }, scopes: null } };
    const out = await handler(event({ body: experimentYaml(), authorizer: jwt }), context);
    expect(out.statusCode).toBe(403);
    expect(JSON.parse(out.body!).message).toContain('scoped to namespace "team-b"');
  });

  it.each([
    ['an invalid spec', { body: experimentYaml((d) => (d.spec.objective.type = 'minimise')) }, 400, 'spec.objective.type'],
    ['YAML that does not parse', { body: 'spec: [unclosed' }, 400, undefined],
    ['an empty body', { body: '' }, 400, '(body)'],
    ['a namespace that is not a DNS label', { path: '/v1/namespaces/Team_A/experiments', body: experimentYaml() }, 400, undefined],
    ['an unsupported content type', { body: 'x', headers: { 'content-type': 'image/png' } }, 415, undefined],
    ['no authorizer and no token', { body: experimentYaml(), authorizer: null }, 401, undefined],
    ['an unknown route', { path: '/v1/namespaces/kubeflow/nothing' }, 404, undefined],
    ['an unknown experiment', { method: 'GET', path: '/v1/namespaces/kubeflow/experiments/ghost' }, 404, undefined],
    ['a wrong method', { method: 'PUT', path: '/v1/namespaces/kubeflow/experiments' }, 405, undefined],
    [
      'a bad budget patch',
      { method: 'PATCH', path: '/v1/namespaces/kubeflow/experiments/objective', body: '{"spec": {"maxTrialCount": "ten"}}' },
      400,
      'spec.maxTrialCount',
    ],
    ['bad percent-encoding', { method: 'GET', path: '/v1/namespaces/kubeflow/experiments/%E0%A4%A' }, 400, undefined],
  ])('answers %s with its 4xx and the field, never 5xx', async (_what, change, status, field) => {
    const { deps } = apiDeps();
    const handler = createApiHandler(deps);
    await handler(event({ body: experimentYaml() }), context); // so that the PATCH finds an experiment
    const out = await handler(event(change), context);
    expect(out.statusCode).toBe(status);
    const body = JSON.parse(out.body!);
    expect(body).toMatchObject({ kind: 'Status', status: 'Failure', code: status });
    if (field) expect(body.details.causes.map((c: { field: string }) => c.field)).toContain(field);
  });
});

describe('state-machine task handlers with Step Functions task inputs', () => {
  it('PlanTrial plans the first trial from the input the state machine gives it', async () => {
    const store = new InMemoryExperimentStore();
    await createExperiment({ store, clock }, { experiment: checkExperiment(fixtureExperiment('objective.yaml')), uid: 'u', seed: 1 });
    const handler = createPlanTrialHandler({
      store,
      clock,
      launcher: { run: async () => ({ outcome: 'succeeded', reason: '', message: '' }), terminate: async () => {}, reap: async () => {} },
    });
    const out = await handler(fixture('sfn-plan-trial.json'), context);
    expect(out).toMatchObject({ action: 'run', trialName: expect.stringMatching(/^objective-/), iteration: 1 });
  });

  it('refuses a malformed input with a ValidationError naming each field', async () => {
    const store = new InMemoryExperimentStore();
    const handler = createPlanTrialHandler({
      store,
      clock,
      launcher: { run: async () => ({ outcome: 'succeeded', reason: '', message: '' }), terminate: async () => {}, reap: async () => {} },
    });
    const bad = { ...fixture('sfn-plan-trial.json'), lane: 'zero', namespace: '' };
    await expect(handler(bad, context)).rejects.toMatchObject({
      name: 'ValidationError',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'lane' }), expect.objectContaining({ path: 'namespace' })]),
    });
  });
});
