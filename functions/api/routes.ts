import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFoundError, ValidationError } from '#shared/errors.js';
import { experimentObject, listObject, trialObject } from '#shared/experiment/katib-objects.js';
import type { ExperimentRecord, ObservationRecord, TrialRecord } from '#shared/experiment/records.js';
import { experimentStatus, isExperimentFinished, isTrialFinished } from '#shared/experiment/states.js';
import type { ExperimentRunner } from '#shared/ports/experiment-runner.js';
import type { JobRunner } from '#shared/ports/job-runner.js';
import type { LogPage, LogReader } from '#shared/ports/trial-logs.js';
import { checkExperiment } from '#shared/spec/load.js';
import { parseDocuments, pickDocument } from '#shared/spec/parse.js';
import type { Experiment } from '#shared/spec/types.js';
import { isNamespace } from '#shared/spec/validate.js';
import { isJobFinished, type JobRecord } from '#shared/training/job-record.js';
import { checkTrainingJob, parseTrainingJob } from '#shared/training/job-spec.js';
import { createExperiment } from '#shared/use-cases/create-experiment.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { findTrialByName } from '#shared/use-cases/find-trial.js';
import { retryOnConflict } from '#shared/use-cases/retry.js';
import type { ApiAuth, Principal } from './auth.js';
import { type ApiResult, HttpError, ok } from './http.js';
import { OPENAPI } from './openapi.js';

/** What the API handlers need, built by each place's composition root (local server, Lambda). */
export interface ApiDeps {
  use: UseCaseDeps;
  runner: ExperimentRunner;
  logs: LogReader;
  jobs: JobRunner;
  auth: ApiAuth;
  /** Place-specific reasons a training job cannot run here, as `field.path: message`. */
  jobIssues?(job: Record<string, unknown>): string[];
  /** A new experiment's uid and seed (drawn here so that the use cases stay pure). */
  identity(): { uid: string; seed: number };
  /** Place-specific reasons an experiment cannot run here, as `field.path: message`. */
  runIssues?(experiment: Experiment): string[];
  /** Local mode: the folder relative trial commands run in. */
  workdir?: string;
  /**
   * AWS: who API Gateway's authorizer (IAM or JWT) says the caller is, when it says so; bearer tokens
   * (the trials' push tokens) are checked only when it does not.
   */
  gatewayPrincipal?(event: APIGatewayProxyEventV2): Principal | undefined;
}

export interface RouteRequest {
  deps: ApiDeps;
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  contentType: string;
  body: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** OpenAPI-style template: `/v1/namespaces/{namespace}/experiments/{name}`. */
  path: string;
  /** Principals that may call it besides admin and namespace tokens (the push route takes trial tokens). */
  trialToken?: boolean;
  handle(req: RouteRequest): Promise<ApiResult>;
}

/** Katib allows these spec fields to change on a live experiment, and no others. */
const BUDGET_FIELDS = ['maxTrialCount', 'parallelTrialCount', 'maxFailedTrialCount'] as const;
const LOG_PAGE_DEFAULT = 64 * 1024;
const LOG_PAGE_MAX = 1024 * 1024;

function namespaceOf(req: RouteRequest): string {
  const ns = req.params.namespace!;
  if (!isNamespace(ns))
    throw new HttpError(400, 'BadRequest', `namespace ${JSON.stringify(ns)} is not a DNS label (lowercase letters, digits, '-')`);
  const p = req.principal;
  if (p.kind === 'namespace' && p.namespace !== ns)
    throw new HttpError(403, 'Forbidden', `this token is scoped to namespace ${JSON.stringify(p.namespace)}, not ${JSON.stringify(ns)}`);
  if (p.kind === 'trial' && p.namespace !== ns) throw new HttpError(403, 'Forbidden', 'a trial token may only push its own observations');
  return ns;
}

async function experimentOr404(deps: ApiDeps, namespace: string, name: string): Promise<ExperimentRecord> {
  const record = await deps.use.store.getExperiment(namespace, name);
  if (!record) throw new NotFoundError(`experiment ${JSON.stringify(name)} not found in namespace ${JSON.stringify(namespace)}`);
  return record;
}

async function trialOr404(deps: ApiDeps, namespace: string, name: string): Promise<{ experiment: ExperimentRecord; trial: TrialRecord }> {
  const found = await findTrialByName(deps.use.store, name, namespace);
  if (!found) throw new NotFoundError(`trial ${JSON.stringify(name)} not found in namespace ${JSON.stringify(namespace)}`);
  return found;
}

/** The Katib object of a record; its counts and optimal trial need only the trials' summaries (a lean read). */
async function katibExperiment(deps: ApiDeps, record: ExperimentRecord) {
  return experimentObject(record, await deps.use.store.listTrialSummaries(record.namespace, record.name));
}

const EXPERIMENT_STATUSES = ['Created', 'Running', 'Restarting', 'Stopped', 'Succeeded', 'Failed'];

async function listExperiments(req: RouteRequest, namespace?: string): Promise<ApiResult> {
  const status = req.query.status;
  if (status !== undefined && !EXPERIMENT_STATUSES.includes(status)) {
    throw new ValidationError([
      { path: 'status', message: `unknown status ${JSON.stringify(status)} (allowed: ${EXPERIMENT_STATUSES.join(', ')})` },
    ]);
  }
  const scoped = req.principal.kind === 'namespace' ? req.principal.namespace : namespace;
  const records = (await req.deps.use.store.listExperiments(scoped)).filter((r) => status === undefined || experimentStatus(r) === status);
  return ok(listObject('Experiment', await Promise.all(records.map((r) => katibExperiment(req.deps, r)))));
}

function parseBody(
  req: RouteRequest,
  parse: (text: string) => Record<string, unknown> = (text) =>
    pickDocument(parseDocuments(text, 'request body'), ['Experiment'], 'request body'),
): Record<string, unknown> {
  const type = req.contentType.split(';')[0]!.trim().toLowerCase();
  const accepted = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain', ''];
  if (!accepted.includes(type))
    throw new HttpError(
      415,
      'UnsupportedMediaType',
      `content type ${JSON.stringify(type)} is not accepted (allowed: application/json, application/yaml)`,
    );
  if (req.body.trim() === '')
    throw new ValidationError([{ path: '(body)', message: 'the request body is empty; send the object as YAML or JSON' }]);
  return parse(req.body);
}

async function submitExperiment(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const experiment = checkExperiment(inNamespace(parseBody(req), namespace));
  throwIssues(req.deps.runIssues?.(experiment) ?? []);
  const record = await createExperiment(req.deps.use, { experiment, ...req.deps.identity(), workdir: req.deps.workdir });
  await req.deps.runner.start(namespace, record.name);
  return ok(await katibExperiment(req.deps, (await req.deps.use.store.getExperiment(namespace, record.name)) ?? record), 201);
}

/** The document with the request's namespace, which a different `metadata.namespace` contradicts. */
function inNamespace(doc: Record<string, unknown>, namespace: string): Record<string, unknown> {
  const metadata = (doc.metadata ?? {}) as Record<string, unknown>;
  if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
    throw new ValidationError([
      {
        path: 'metadata.namespace',
        message: `is ${JSON.stringify(metadata.namespace)} but the request is for namespace ${JSON.stringify(namespace)}`,
      },
    ]);
  }
  return { ...doc, metadata: { ...metadata, namespace } };
}

/** `field.path: message` lines as a ValidationError, when there are any. */
function throwIssues(issues: string[]): void {
  if (issues.length === 0) return;
  throw new ValidationError(
    issues.map((text) => {
      const at = text.indexOf(': ');
      return { path: text.slice(0, at), message: text.slice(at + 2) };
    }),
  );
}

function budgetPatch(body: string): Partial<Record<(typeof BUDGET_FIELDS)[number], number>> {
  let patch: unknown;
  try {
    patch = JSON.parse(body);
  } catch (e) {
    throw new ValidationError([{ path: '(body)', message: `is not JSON: ${(e as Error).message}` }]);
  }
  const issues = [];
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw new ValidationError([{ path: '(body)', message: 'must be a JSON object such as {"spec": {"maxTrialCount": 20}}' }]);
  const { spec, ...rest } = patch as Record<string, unknown>;
  for (const key of Object.keys(rest))
    issues.push({ path: key, message: `cannot be changed (only spec.${BUDGET_FIELDS.join(', spec.')} can)` });
  if (typeof spec !== 'object' || spec === null) issues.push({ path: 'spec', message: 'must be an object with the fields to change' });
  const out: Partial<Record<(typeof BUDGET_FIELDS)[number], number>> = {};
  for (const [key, value] of Object.entries((spec as Record<string, unknown>) ?? {})) {
    if (!(BUDGET_FIELDS as readonly string[]).includes(key)) {
      issues.push({
        path: `spec.${key}`,
        message: `cannot be changed on an existing experiment (Katib allows spec.${BUDGET_FIELDS.join(', spec.')})`,
      });
    } else if (!Number.isInteger(value)) {
      issues.push({ path: `spec.${key}`, message: `must be an integer (got ${JSON.stringify(value)})` });
    } else out[key as (typeof BUDGET_FIELDS)[number]] = value as number;
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

async function patchExperiment(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const patch = budgetPatch(req.body);
  const updated = await retryOnConflict(async () => {
    const record = await experimentOr404(req.deps, namespace, req.params.name!);
    if (isExperimentFinished(record.state))
      throw new HttpError(
        409,
        'Conflict',
        `experiment ${namespace}/${record.name} has ended (${record.state}); its budget can no longer change`,
      );
    const trials = await req.deps.use.store.listTrialSummaries(namespace, record.name);
    const spec = { ...record.experiment.spec, ...patch };
    // The changed experiment passes the same validation as a new one (parallel <= max, and so on).
    checkExperiment(JSON.parse(JSON.stringify({ ...record.experiment, spec })) as Record<string, unknown>);
    if (spec.maxTrialCount !== undefined && spec.maxTrialCount < trials.length) {
      throw new ValidationError([
        { path: 'spec.maxTrialCount', message: `must be at least the ${trials.length} trials already created (got ${spec.maxTrialCount})` },
      ]);
    }
    return req.deps.use.store.updateExperiment({ ...record, experiment: { ...record.experiment, spec } });
  });
  return ok(await katibExperiment(req.deps, updated));
}

async function stopExperiment(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const record = await experimentOr404(req.deps, namespace, req.params.name!);
  if (isExperimentFinished(record.state))
    throw new HttpError(409, 'Conflict', `experiment ${namespace}/${record.name} has already ended (${record.state})`);
  await req.deps.runner.stop(namespace, record.name);
  return ok(await katibExperiment(req.deps, await experimentOr404(req.deps, namespace, record.name)));
}

async function resumeExperiment(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const record = await experimentOr404(req.deps, namespace, req.params.name!);
  if (isExperimentFinished(record.state))
    throw new HttpError(409, 'Conflict', `experiment ${namespace}/${record.name} has already ended (${record.state}); create a new one`);
  await req.deps.runner.start(namespace, record.name);
  return ok(await katibExperiment(req.deps, await experimentOr404(req.deps, namespace, record.name)));
}

async function deleteExperiment(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const record = await experimentOr404(req.deps, namespace, req.params.name!);
  if (req.deps.runner.isRunning(namespace, record.name)) await req.deps.runner.stop(namespace, record.name);
  for (const t of await req.deps.use.store.listTrials(namespace, record.name)) {
    if (t.runtime && !isTrialFinished(t.state)) await req.deps.use.launcher.reap(t.runtime);
  }
  await req.deps.use.store.deleteExperiment(namespace, record.name);
  return ok({ apiVersion: 'v1', kind: 'Status', status: 'Success', details: { name: record.name, kind: 'experiments' } });
}

/** Katib's observation log shape (`GetObservationLog`), with the step each value was reported at. */
function observationLog(observations: ObservationRecord[]) {
  return {
    observationLog: {
      metricLogs: observations.map((o) => ({ timeStamp: o.timestamp, step: o.step, metric: { name: o.metricName, value: o.value } })),
    },
  };
}

interface PushedMetric {
  name: string;
  value: number;
}

/** `{"metrics": {"accuracy": 0.93}, "step": 3}` or `{"metrics": [{"name": "accuracy", "value": 0.93}]}`. */
function pushedObservations(body: string, allowed: string[], now: string): ObservationRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw new ValidationError([{ path: '(body)', message: `is not JSON: ${(e as Error).message}` }]);
  }
  const { metrics, step, timestamp } = (doc ?? {}) as { metrics?: unknown; step?: unknown; timestamp?: unknown };
  const issues = [];
  let list: PushedMetric[] = [];
  if (Array.isArray(metrics)) list = metrics as PushedMetric[];
  else if (typeof metrics === 'object' && metrics !== null)
    list = Object.entries(metrics).map(([name, value]) => ({ name, value: value as number }));
  else issues.push({ path: 'metrics', message: 'must be an object of metric values, such as {"accuracy": 0.93}' });
  if (step !== undefined && (!Number.isInteger(step) || (step as number) < 0))
    issues.push({ path: 'step', message: `must be a non-negative integer (got ${JSON.stringify(step)})` });
  if (timestamp !== undefined && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))))
    issues.push({ path: 'timestamp', message: `must be an RFC 3339 time (got ${JSON.stringify(timestamp)})` });
  for (const [i, m] of list.entries()) {
    const where = Array.isArray(metrics) ? `metrics[${i}]` : `metrics.${m.name}`;
    if (!allowed.includes(m.name))
      issues.push({ path: where, message: `is not a metric of this experiment (allowed: ${allowed.join(', ')})` });
    const value = typeof m.value === 'string' ? Number(m.value) : m.value;
    if (typeof value !== 'number' || !Number.isFinite(value))
      issues.push({
        path: `${where}${Array.isArray(metrics) ? '.value' : ''}`,
        message: `must be a finite number (got ${JSON.stringify(m.value)})`,
      });
  }
  if (list.length === 0 && issues.length === 0) issues.push({ path: 'metrics', message: 'has no values' });
  if (issues.length > 0) throw new ValidationError(issues);
  return list.map((m) => ({
    metricName: m.name,
    value: String(Number(m.value)),
    timestamp: (timestamp as string | undefined) ?? now,
    ...(step !== undefined ? { step: step as number } : {}),
  }));
}

async function pushObservations(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const name = req.params.name!;
  const p = req.principal;
  if (p.kind === 'trial' && p.trial !== name)
    throw new HttpError(403, 'Forbidden', `this token belongs to trial ${JSON.stringify(p.trial)}, not ${JSON.stringify(name)}`);
  const { experiment, trial } = await trialOr404(req.deps, namespace, name);
  const { objective } = experiment.experiment.spec;
  const allowed = [objective.objectiveMetricName, ...(objective.additionalMetricNames ?? [])];
  const observations = pushedObservations(req.body, allowed, req.deps.use.clock.now());
  if (isTrialFinished(trial.state))
    throw new HttpError(409, 'Conflict', `trial ${name} has ended (${trial.state}); it takes no more observations`);
  // Pushes of one trial come one at a time from its process; each is numbered after the log so far.
  const seq = await req.deps.use.store.nextObservationSeq(namespace, name);
  await req.deps.use.store.appendObservations(namespace, name, observations, seq);
  return ok({ accepted: observations.length }, 201);
}

/** `offset` and `limit` of a logs request. */
function pageOf(req: RouteRequest): { offset: number; limit: number } {
  const number = (key: string, fallback: number, max: number) => {
    const raw = req.query[key];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new ValidationError([{ path: key, message: `must be an integer from 0 to ${max} (got ${JSON.stringify(raw)})` }]);
    return n;
  };
  return { offset: number('offset', 0, Number.MAX_SAFE_INTEGER), limit: number('limit', LOG_PAGE_DEFAULT, LOG_PAGE_MAX) };
}

const EMPTY_PAGE: LogPage = { text: '', offset: 0, nextOffset: 0, size: 0 };

async function trialLogs(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const { trial } = await trialOr404(req.deps, namespace, req.params.name!);
  const { offset, limit } = pageOf(req);
  const page = (await req.deps.logs.readTrial(namespace, trial.name, offset, limit)) ?? EMPTY_PAGE;
  return ok({ trial: trial.name, ...page, finished: isTrialFinished(trial.state) });
}

async function jobOr404(deps: ApiDeps, namespace: string, name: string): Promise<JobRecord> {
  const record = await deps.use.store.getJob(namespace, name);
  if (!record) throw new NotFoundError(`training job ${JSON.stringify(name)} not found in namespace ${JSON.stringify(namespace)}`);
  return record;
}

/** The Kubeflow object of a stored job: the job as submitted (defaulted) with its status. */
const jobObject = (record: JobRecord) => ({
  ...record.job,
  metadata: { ...record.job.metadata, uid: record.uid, creationTimestamp: record.createdAt },
  status: record.status,
});

async function listJobs(req: RouteRequest, namespace?: string): Promise<ApiResult> {
  const scoped = req.principal.kind === 'namespace' ? req.principal.namespace : namespace;
  const records = await req.deps.use.store.listJobs(scoped);
  return ok({ apiVersion: 'v1', kind: 'List', metadata: {}, items: records.map(jobObject) });
}

async function submitJob(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const job = checkTrainingJob(
    inNamespace(
      parseBody(req, (text) => parseTrainingJob(text, 'request body')),
      namespace,
    ),
  );
  throwIssues(req.deps.jobIssues?.(job as unknown as Record<string, unknown>) ?? []);
  const now = req.deps.use.clock.now();
  const record: JobRecord = {
    namespace,
    name: job.metadata.name,
    uid: req.deps.identity().uid,
    job,
    status: {
      conditions: [
        {
          type: 'Created',
          status: 'True',
          reason: `${job.kind}Created`,
          message: `${job.kind} ${job.metadata.name} is created.`,
          lastTransitionTime: now,
        },
      ],
      replicaStatuses: {},
      restarts: 0,
    },
    workdir: req.deps.workdir,
    createdAt: now,
    version: 0,
  };
  await req.deps.use.store.createJob(record);
  await req.deps.jobs.start(namespace, record.name);
  return ok(jobObject(record), 201);
}

async function deleteJob(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const record = await jobOr404(req.deps, namespace, req.params.name!);
  if (req.deps.jobs.isRunning(namespace, record.name)) await req.deps.jobs.stop(namespace, record.name);
  await req.deps.use.store.deleteJob(namespace, record.name);
  return ok({ apiVersion: 'v1', kind: 'Status', status: 'Success', details: { name: record.name, kind: 'jobs' } });
}

async function jobLogs(req: RouteRequest): Promise<ApiResult> {
  const namespace = namespaceOf(req);
  const record = await jobOr404(req.deps, namespace, req.params.name!);
  const replicas = (record.status.replicaStates ?? []).map((r) => r.name);
  const replica = req.query.replica ?? replicas[0] ?? '';
  if (replicas.length > 0 && !replicas.includes(replica))
    throw new ValidationError([
      { path: 'replica', message: `${JSON.stringify(replica)} is not a replica of this job (replicas: ${replicas.join(', ')})` },
    ]);
  const { offset, limit } = pageOf(req);
  const page = (await req.deps.logs.readJob(namespace, record.name, replica, offset, limit)) ?? EMPTY_PAGE;
  return ok({ job: record.name, replica, ...page, finished: isJobFinished(record) });
}

/** The API, one entry per route; the OpenAPI document describes exactly these (tested). */
export const ROUTES: Route[] = [
  { method: 'GET', path: '/v1/openapi.json', handle: async () => ok(OPENAPI) },
  { method: 'GET', path: '/v1/experiments', handle: (req) => listExperiments(req) },
  { method: 'GET', path: '/v1/namespaces/{namespace}/experiments', handle: (req) => listExperiments(req, namespaceOf(req)) },
  { method: 'POST', path: '/v1/namespaces/{namespace}/experiments', handle: submitExperiment },
  {
    method: 'GET',
    path: '/v1/namespaces/{namespace}/experiments/{name}',
    handle: async (req) => ok(await katibExperiment(req.deps, await experimentOr404(req.deps, namespaceOf(req), req.params.name!))),
  },
  { method: 'PATCH', path: '/v1/namespaces/{namespace}/experiments/{name}', handle: patchExperiment },
  { method: 'DELETE', path: '/v1/namespaces/{namespace}/experiments/{name}', handle: deleteExperiment },
  { method: 'POST', path: '/v1/namespaces/{namespace}/experiments/{name}/stop', handle: stopExperiment },
  { method: 'POST', path: '/v1/namespaces/{namespace}/experiments/{name}/resume', handle: resumeExperiment },
  {
    method: 'GET',
    path: '/v1/namespaces/{namespace}/experiments/{name}/trials',
    handle: async (req) => {
      const record = await experimentOr404(req.deps, namespaceOf(req), req.params.name!);
      const trials = await req.deps.use.store.listTrials(record.namespace, record.name);
      return ok(
        listObject(
          'Trial',
          trials.map((t) => trialObject(record, t)),
        ),
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/namespaces/{namespace}/trials/{name}',
    handle: async (req) => {
      const { experiment, trial } = await trialOr404(req.deps, namespaceOf(req), req.params.name!);
      return ok(trialObject(experiment, trial));
    },
  },
  {
    method: 'GET',
    path: '/v1/namespaces/{namespace}/trials/{name}/observations',
    handle: async (req) => {
      const namespace = namespaceOf(req);
      const { trial } = await trialOr404(req.deps, namespace, req.params.name!);
      return ok(observationLog(await req.deps.use.store.listObservations(namespace, trial.name)));
    },
  },
  { method: 'POST', path: '/v1/namespaces/{namespace}/trials/{name}/observations', trialToken: true, handle: pushObservations },
  { method: 'GET', path: '/v1/namespaces/{namespace}/trials/{name}/logs', handle: trialLogs },
  { method: 'GET', path: '/v1/jobs', handle: (req) => listJobs(req) },
  { method: 'GET', path: '/v1/namespaces/{namespace}/jobs', handle: (req) => listJobs(req, namespaceOf(req)) },
  { method: 'POST', path: '/v1/namespaces/{namespace}/jobs', handle: submitJob },
  {
    method: 'GET',
    path: '/v1/namespaces/{namespace}/jobs/{name}',
    handle: async (req) => ok(jobObject(await jobOr404(req.deps, namespaceOf(req), req.params.name!))),
  },
  { method: 'DELETE', path: '/v1/namespaces/{namespace}/jobs/{name}', handle: deleteJob },
  { method: 'GET', path: '/v1/namespaces/{namespace}/jobs/{name}/logs', handle: jobLogs },
];
