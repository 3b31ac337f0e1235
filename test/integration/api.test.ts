import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { stringify } from 'yaml';
import { tokenHash } from '#functions/api/auth.js';
import { OPENAPI } from '#functions/api/openapi.js';
import { ROUTES } from '#functions/api/routes.js';
import { type LocalServer, startLocalServer } from '#local/server.js';
import { FIXTURES, fixtureExperiment, tempHome } from '../helpers.js';

jest.setTimeout(120_000);

let server: LocalServer;
let home: string;
const NS_TOKEN = 'team-a-token-0123456789';

/** An experiment over the objective fixture, as a user would write it. */
function experimentYaml(name: string, change: (d: Record<string, any>) => void = () => {}): string {
  const doc = fixtureExperiment('objective.yaml');
  doc.metadata.name = name;
  const container = doc.spec.trialTemplate.trialSpec.spec.template.spec.containers[0];
  container.command[1] = join(FIXTURES, 'scripts', 'objective.py');
  change(doc);
  return stringify(doc);
}

async function call(method: string, path: string, options: { token?: string | null; body?: string; type?: string } = {}) {
  const token = options.token === undefined ? server.token : options.token;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': options.type ?? 'application/yaml' } : {}),
    },
    body: options.body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function until(path: string, done: (body: any) => boolean, timeoutMs = 60_000) {
  const start = Date.now();
  for (;;) {
    const res = await call('GET', path);
    if (done(res.body)) return res.body;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting on ${path}: ${JSON.stringify(res.body).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const lastCondition = (exp: any) => exp.status.conditions[exp.status.conditions.length - 1];
const ended = (exp: any) => ['Succeeded', 'Failed'].includes(lastCondition(exp)?.type);

// Every answer is checked against the OpenAPI document's schema for its status.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...OPENAPI, $id: 'openapi' });
function conforms(method: string, template: string, status: number, body: unknown) {
  const op = (OPENAPI.paths as any)[template][method.toLowerCase()];
  const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
  expect(schema).toBeDefined();
  const pointer = schema.$ref ? `openapi${schema.$ref}` : undefined;
  const validate = pointer ? ajv.getSchema(pointer)! : ajv.compile(schema);
  const valid = validate(body);
  if (!valid) throw new Error(`${method} ${template} ${status}: ${ajv.errorsText(validate.errors)}`);
}

beforeAll(async () => {
  home = tempHome('tunestep-api-');
  writeFileSync(join(home, 'tokens.json'), JSON.stringify([{ namespace: 'team-a', sha256: tokenHash(NS_TOKEN) }]));
  server = await startLocalServer({ home, port: 0, env: { ...process.env, TUNESTEP_TOKEN: '' }, workdir: FIXTURES, log: () => {} });
});
afterAll(async () => server?.close());

describe('the OpenAPI document', () => {
  it('describes exactly the routes the handler serves', async () => {
    const documented = Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => ['get', 'post', 'patch', 'delete', 'put'].includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const served = await call('GET', '/v1/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body.openapi).toBe('3.1.0');
  });
});

describe('authentication', () => {
  it('answers 401 without a token or with a wrong one, and makes a token when none is set', async () => {
    expect(server.token.length).toBeGreaterThan(20);
    for (const token of [null, 'wrong']) {
      const res = await call('GET', '/v1/experiments', { token });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
    }
  });

  it('keeps a namespace token to its namespace', async () => {
    const other = await call('GET', '/v1/namespaces/kubeflow/experiments', { token: NS_TOKEN });
    expect(other.status).toBe(403);
    const own = await call('GET', '/v1/namespaces/team-a/experiments', { token: NS_TOKEN });
    expect(own.status).toBe(200);
    const created = await call('POST', '/v1/namespaces/team-a/experiments', {
      token: NS_TOKEN,
      body: experimentYaml('scoped', (d) => {
        delete d.metadata.namespace;
        d.spec.maxTrialCount = 1;
        d.spec.parallelTrialCount = 1;
        d.spec.maxFailedTrialCount = 0;
      }),
    });
    expect(created.body.details).toBeUndefined();
    expect(created.status).toBe(201);
    const all = await call('GET', '/v1/experiments', { token: NS_TOKEN });
    expect(all.body.items.map((e: any) => e.metadata.namespace)).toEqual(['team-a']);
    await until('/v1/namespaces/team-a/experiments/scoped', ended);
  });
});

describe('the life of an experiment through the API alone', () => {
  it('creates, lists, watches, reads trials, observations and logs, refuses a late patch, deletes', async () => {
    const created = await call('POST', '/v1/namespaces/kubeflow/experiments', { body: experimentYaml('life') });
    expect(created.status).toBe(201);
    conforms('POST', '/v1/namespaces/{namespace}/experiments', 201, created.body);
    // Defaulted as Katib's webhook does.
    expect(created.body.spec.metricsCollectorSpec.collector.kind).toBe('StdOut');
    expect(created.body.spec.resumePolicy).toBe('Never');

    const list = await call('GET', '/v1/namespaces/kubeflow/experiments');
    conforms('GET', '/v1/namespaces/{namespace}/experiments', 200, list.body);
    expect(list.body.items.map((e: any) => e.metadata.name)).toContain('life');

    const done = await until('/v1/namespaces/kubeflow/experiments/life', ended);
    conforms('GET', '/v1/namespaces/{namespace}/experiments/{name}', 200, done);
    expect(lastCondition(done)).toMatchObject({ type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
    expect(done.status.trialsSucceeded).toBe(6);
    expect(Number(done.status.currentOptimalTrial.observation.metrics[0].latest)).toBeGreaterThan(0);

    const running = await call('GET', '/v1/experiments?status=Running');
    expect(running.body.items.map((e: any) => e.metadata.name)).not.toContain('life');
    const succeeded = await call('GET', '/v1/experiments?status=Succeeded');
    expect(succeeded.body.items.map((e: any) => e.metadata.name)).toContain('life');

    const trials = await call('GET', '/v1/namespaces/kubeflow/experiments/life/trials');
    conforms('GET', '/v1/namespaces/{namespace}/experiments/{name}/trials', 200, trials.body);
    expect(trials.body.items).toHaveLength(6);
    const first = trials.body.items[0];
    expect(first.status.observation.metrics[0].name).toBe('loss');

    const trial = await call('GET', `/v1/namespaces/kubeflow/trials/${first.metadata.name}`);
    conforms('GET', '/v1/namespaces/{namespace}/trials/{name}', 200, trial.body);
    expect(trial.body.spec.parameterAssignments).toEqual(first.spec.parameterAssignments);

    const obs = await call('GET', `/v1/namespaces/kubeflow/trials/${first.metadata.name}/observations`);
    conforms('GET', '/v1/namespaces/{namespace}/trials/{name}/observations', 200, obs.body);
    const losses = obs.body.observationLog.metricLogs.filter((l: any) => l.metric.name === 'loss');
    expect(losses).toHaveLength(3);

    const logs = await call('GET', `/v1/namespaces/kubeflow/trials/${first.metadata.name}/logs?limit=20`);
    conforms('GET', '/v1/namespaces/{namespace}/trials/{name}/logs', 200, logs.body);
    expect(logs.body.text).toMatch(/^epoch=1 loss=/);
    expect(logs.body.nextOffset).toBeLessThan(logs.body.size);
    const rest = await call('GET', `/v1/namespaces/kubeflow/trials/${first.metadata.name}/logs?offset=${logs.body.nextOffset}`);
    expect(logs.body.text + rest.body.text).toContain('training done');
    expect(rest.body.finished).toBe(true);

    const late = await call('PATCH', '/v1/namespaces/kubeflow/experiments/life', {
      body: '{"spec":{"maxTrialCount":9}}',
      type: 'application/json',
    });
    expect(late.status).toBe(409);

    const deleted = await call('DELETE', '/v1/namespaces/kubeflow/experiments/life');
    expect(deleted.status).toBe(200);
    expect((await call('GET', '/v1/namespaces/kubeflow/experiments/life')).status).toBe(404);
    expect((await call('GET', `/v1/namespaces/kubeflow/trials/${first.metadata.name}`)).status).toBe(404);
  });

  it('stops a running experiment, changes its budget, and resumes it to its end', async () => {
    const body = experimentYaml('pausable', (d) => {
      d.spec.maxTrialCount = 4;
      d.spec.parallelTrialCount = 1;
      d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command.push('--sleep=1.5');
    });
    expect((await call('POST', '/v1/namespaces/kubeflow/experiments', { body })).status).toBe(201);
    await until('/v1/namespaces/kubeflow/experiments/pausable', (e) => e.status.trialsRunning === 1);
    const stopped = await call('POST', '/v1/namespaces/kubeflow/experiments/pausable/stop');
    expect(stopped.status).toBe(200);
    conforms('POST', '/v1/namespaces/{namespace}/experiments/{name}/stop', 200, stopped.body);
    const running = stopped.body.status.conditions.find((c: any) => c.type === 'Running');
    expect(running).toMatchObject({ status: 'False', reason: 'ExperimentStopped' });
    expect(stopped.body.status.trialsRunning ?? 0).toBe(0);
    const listed = await call('GET', '/v1/namespaces/kubeflow/experiments?status=Stopped');
    expect(listed.body.items.map((e: any) => e.metadata.name)).toEqual(['pausable']);

    const bad = await call('PATCH', '/v1/namespaces/kubeflow/experiments/pausable', {
      body: JSON.stringify({ spec: { maxTrialCount: 'many', algorithm: {} }, metadata: {} }),
      type: 'application/json',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.causes.map((c: any) => c.field).sort()).toEqual(['metadata', 'spec.algorithm', 'spec.maxTrialCount']);
    const patched = await call('PATCH', '/v1/namespaces/kubeflow/experiments/pausable', {
      body: JSON.stringify({ spec: { maxTrialCount: 2 } }),
      type: 'application/json',
    });
    expect(patched.status).toBe(200);
    conforms('PATCH', '/v1/namespaces/{namespace}/experiments/{name}', 200, patched.body);
    expect(patched.body.spec.maxTrialCount).toBe(2);

    const resumed = await call('POST', '/v1/namespaces/kubeflow/experiments/pausable/resume');
    expect(resumed.status).toBe(200);
    const done = await until('/v1/namespaces/kubeflow/experiments/pausable', ended);
    expect(lastCondition(done)).toMatchObject({ type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
    expect(done.status.trials).toBe(2);
    expect((await call('POST', '/v1/namespaces/kubeflow/experiments/pausable/resume')).status).toBe(409);
  });
});

describe('bad input', () => {
  it('answers 400 with every invalid field path, and writes nothing', async () => {
    const res = await call('POST', '/v1/namespaces/kubeflow/experiments', {
      body: experimentYaml('broken', (d) => {
        d.spec.parameters[0].feasibleSpace = { min: '2', max: '1' };
        d.spec.algorithm.algorithmName = 'nonsense';
      }),
    });
    expect(res.status).toBe(400);
    conforms('POST', '/v1/namespaces/{namespace}/experiments', 400, res.body);
    const fields = res.body.details.causes.map((c: any) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining(['spec.algorithm.algorithmName', expect.stringMatching(/^spec\.parameters\[0\]\.feasibleSpace/)]),
    );
    expect((await call('GET', '/v1/namespaces/kubeflow/experiments/broken')).status).toBe(404);

    const wrongNs = await call('POST', '/v1/namespaces/other/experiments', { body: experimentYaml('elsewhere') });
    expect(wrongNs.status).toBe(400);
    expect(wrongNs.body.details.causes[0].field).toBe('metadata.namespace');

    const notYaml = await call('POST', '/v1/namespaces/kubeflow/experiments', { body: '{ not: [json', type: 'application/json' });
    expect(notYaml.status).toBe(400);
    const media = await call('POST', '/v1/namespaces/kubeflow/experiments', { body: 'x', type: 'image/png' });
    expect(media.status).toBe(415);
  });

  it('answers 404 for unknown names and routes, 405 for a wrong method', async () => {
    expect((await call('GET', '/v1/namespaces/kubeflow/experiments/nope')).status).toBe(404);
    expect((await call('GET', '/v1/namespaces/kubeflow/trials/nope-abc')).status).toBe(404);
    expect((await call('POST', '/v1/namespaces/kubeflow/experiments/nope/stop')).status).toBe(404);
    expect((await call('GET', '/v1/nothing-here')).status).toBe(404);
    expect((await call('PUT', '/v1/experiments')).status).toBe(405);
  });
});

describe('pushed metrics', () => {
  it("takes a trial's observations from runtime/tunestep_metrics.py with the trial's own token only", async () => {
    const body = experimentYaml('pushed', (d) => {
      d.spec.maxTrialCount = 2;
      d.spec.parallelTrialCount = 2;
      d.spec.metricsCollectorSpec = { collector: { kind: 'Push' } };
      d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command = [
        'python3',
        join(FIXTURES, 'scripts', 'push.py'),
        '--x=${trialParameters.x}',
        '--y=${trialParameters.y}',
      ];
    });
    const created = await call('POST', '/v1/namespaces/kubeflow/experiments', { body });
    expect(created.body.details).toBeUndefined();
    expect(created.status).toBe(201);
    const done = await until('/v1/namespaces/kubeflow/experiments/pushed', ended);
    expect(lastCondition(done).type).toBe('Succeeded');
    const trials = (await call('GET', '/v1/namespaces/kubeflow/experiments/pushed/trials')).body.items;
    expect(trials.map((t: any) => lastCondition(t).type)).toEqual(['Succeeded', 'Succeeded']);
    const [a, b] = trials.map((t: any) => t.metadata.name);
    const obs = (await call('GET', `/v1/namespaces/kubeflow/trials/${a}/observations`)).body.observationLog.metricLogs;
    expect(obs.map((o: any) => o.step)).toEqual([0, 1, 2]);
    // Its summary is what was pushed: the last of the three values.
    const latest = trials[0].status.observation.metrics.find((m: any) => m.name === 'loss').latest;
    expect(latest).toBe(obs[2].metric.value);

    const tokenOfA = server.auth.trialToken('kubeflow', a);
    const push = (trial: string, token: string | null, metrics: unknown = { loss: 0.5 }) =>
      call('POST', `/v1/namespaces/kubeflow/trials/${trial}/observations`, {
        token,
        body: JSON.stringify({ metrics }),
        type: 'application/json',
      });
    expect((await push(b, tokenOfA)).status).toBe(403);
    expect((await call('GET', '/v1/experiments', { token: tokenOfA })).status).toBe(403);
    expect((await push(a, null)).status).toBe(401);
    expect((await push(a, `${tokenOfA.slice(0, -2)}xx`)).status).toBe(401);
    const wrong = await push(a, tokenOfA, { accuracy: 'high' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details.causes.map((c: any) => c.field).sort()).toEqual(['metrics.accuracy', 'metrics.accuracy']);
    // A finished trial takes no more values.
    expect((await push(a, tokenOfA)).status).toBe(409);
  });
});

describe('training jobs', () => {
  const job = (name: string, workerArgs: string[] = [], masterArgs: string[] = []) =>
    stringify({
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name },
      spec: {
        pytorchReplicaSpecs: {
          Master: {
            replicas: 1,
            template: {
              spec: {
                containers: [
                  {
                    name: 'pytorch',
                    image: 'unused',
                    command: [
                      'python3',
                      join(FIXTURES, 'scripts', 'replica.py'),
                      '--out',
                      home,
                      '--name',
                      `${name}-master`,
                      '--rendezvous',
                      'pytorch',
                      ...masterArgs,
                    ],
                  },
                ],
              },
            },
          },
          Worker: {
            replicas: 2,
            restartPolicy: 'Never',
            template: {
              spec: {
                containers: [
                  {
                    name: 'pytorch',
                    image: 'unused',
                    command: ['python3', join(FIXTURES, 'scripts', 'replica.py'), '--out', home, '--rendezvous', 'pytorch', ...workerArgs],
                  },
                ],
              },
            },
          },
        },
      },
    });

  it('runs a PyTorchJob gang through the API and reports its conditions, replicas and logs', async () => {
    const created = await call('POST', '/v1/namespaces/kubeflow/jobs', { body: job('ddp') });
    expect(created.status).toBe(201);
    conforms('POST', '/v1/namespaces/{namespace}/jobs', 201, created.body);
    expect(created.body.spec.runPolicy.cleanPodPolicy).toBeDefined();
    const done = await until('/v1/namespaces/kubeflow/jobs/ddp', (j) => ['Succeeded', 'Failed'].includes(j.status.conditions.at(-1).type));
    conforms('GET', '/v1/namespaces/{namespace}/jobs/{name}', 200, done);
    expect(done.status.conditions.map((c: any) => c.type)).toEqual(['Created', 'Running', 'Succeeded']);
    // The Master's success is the job's (PyTorch's rule); a Worker still running then is stopped with the gang.
    expect(done.status.replicaStatuses.Master).toEqual({ active: 0, succeeded: 1, failed: 0 });
    expect(done.status.replicaStatuses.Worker.active).toBe(0);
    expect(done.status.replicaStates.map((r: any) => r.name)).toEqual(['master-0', 'worker-0', 'worker-1']);
    expect(done.status.replicaStates[0].phase).toBe('succeeded');
    for (const w of done.status.replicaStates.slice(1)) expect(['succeeded', 'stopped']).toContain(w.phase);

    const logs = await call('GET', '/v1/namespaces/kubeflow/jobs/ddp/logs?replica=master-0');
    conforms('GET', '/v1/namespaces/{namespace}/jobs/{name}/logs', 200, logs.body);
    expect(logs.body.text).toContain("master heard ranks ['1', '2']");
    expect(logs.body.finished).toBe(true);
    const badReplica = await call('GET', '/v1/namespaces/kubeflow/jobs/ddp/logs?replica=chief-7');
    expect(badReplica.status).toBe(400);
    expect(badReplica.body.details.causes[0].message).toContain('master-0, worker-0, worker-1');

    const list = await call('GET', '/v1/jobs');
    conforms('GET', '/v1/jobs', 200, list.body);
    expect(list.body.items.map((j: any) => j.metadata.name)).toContain('ddp');
    expect((await call('POST', '/v1/namespaces/kubeflow/jobs', { body: job('ddp') })).status).toBe(409);
    expect((await call('DELETE', '/v1/namespaces/kubeflow/jobs/ddp')).status).toBe(200);
    expect((await call('GET', '/v1/namespaces/kubeflow/jobs/ddp')).status).toBe(404);
  });

  it('fails the gang when a worker fails for good, and stops a running job on delete', async () => {
    await call('POST', '/v1/namespaces/kubeflow/jobs', { body: job('broken', ['--exit', '3'], ['--sleep', '20']) });
    const failed = await until('/v1/namespaces/kubeflow/jobs/broken', (j) =>
      ['Succeeded', 'Failed'].includes(j.status.conditions.at(-1).type),
    );
    expect(failed.status.conditions.at(-1).type).toBe('Failed');
    expect(failed.status.replicaStates[0]).toMatchObject({ name: 'master-0', phase: 'stopped' });

    await call('POST', '/v1/namespaces/kubeflow/jobs', { body: job('long', ['--sleep', '30']) });
    await until('/v1/namespaces/kubeflow/jobs/long', (j) => j.status.replicaStates?.some((r: any) => r.phase === 'running'));
    const started = Date.now();
    expect((await call('DELETE', '/v1/namespaces/kubeflow/jobs/long')).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.jobs.isRunning('kubeflow', 'long')).toBe(false);
  });

  it('answers 400 with field paths for a bad job', async () => {
    const res = await call('POST', '/v1/namespaces/kubeflow/jobs', {
      body: stringify({
        apiVersion: 'kubeflow.org/v1',
        kind: 'PyTorchJob',
        metadata: { name: 'Bad' },
        spec: { pytorchReplicaSpecs: { Master: { replicas: 2 } } },
      }),
    });
    expect(res.status).toBe(400);
    conforms('POST', '/v1/namespaces/{namespace}/jobs', 400, res.body);
    expect(res.body.details.causes.map((c: any) => c.field)).toEqual(expect.arrayContaining(['metadata.name']));
  });
});

/** Parses Prometheus' text format strictly: every line a HELP, a TYPE or a sample; samples by name and labels. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        typed.add(meta[2]!);
      }
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( \d+)?$/.exec(line);
    if (!sample) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    expect(typed.has(sample[1]!) || typed.has(family)).toBe(true);
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return samples;
}

describe('/metrics', () => {
  const scrape = async (token: string | null = server.token) => {
    const res = await fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, text: await res.text() };
  };

  it('is Prometheus text whose counters move as an experiment runs, behind the token', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape(NS_TOKEN)).status).toBe(401);
    const before = parsePrometheus((await scrape()).text);
    const count = (m: Map<string, number>, key: string) => m.get(key) ?? 0;
    const body = experimentYaml('counted', (d) => {
      d.spec.maxTrialCount = 3;
      d.spec.parallelTrialCount = 1;
      d.spec.maxFailedTrialCount = 1;
      d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command.push('--sleep=2');
    });
    expect((await call('POST', '/v1/namespaces/kubeflow/experiments', { body })).status).toBe(201);
    await until('/v1/namespaces/kubeflow/experiments/counted', (e) => e.status.trialsRunning === 1);
    const during = parsePrometheus((await scrape()).text);
    expect(count(during, 'tunestep_trials_running{namespace="kubeflow",kind="Job"}')).toBe(1);
    expect(count(during, 'tunestep_experiments{namespace="kubeflow",status="Running"}')).toBeGreaterThanOrEqual(1);
    await until('/v1/namespaces/kubeflow/experiments/counted', ended);
    const after = parsePrometheus((await scrape()).text);
    const delta = (key: string) => count(after, key) - count(before, key);
    expect(delta('tunestep_experiments_created_total{namespace="kubeflow"}')).toBe(1);
    expect(delta('tunestep_experiments_finished_total{namespace="kubeflow",status="Succeeded"}')).toBe(1);
    expect(delta('tunestep_trials_started_total{namespace="kubeflow",kind="Job"}')).toBe(3);
    expect(delta('tunestep_trials_finished_total{namespace="kubeflow",kind="Job",status="Succeeded"}')).toBe(3);
    expect(delta('tunestep_trial_duration_seconds_count{namespace="kubeflow",kind="Job",status="Succeeded"}')).toBe(3);
    // Each trial ran for about two seconds.
    expect(delta('tunestep_trial_duration_seconds_sum{namespace="kubeflow",kind="Job",status="Succeeded"}')).toBeGreaterThan(5);
    expect(delta('tunestep_suggestion_duration_seconds_count{algorithm="random"}')).toBeGreaterThanOrEqual(3);
    expect(count(after, 'tunestep_trials_running{namespace="kubeflow",kind="Job"}')).toBe(0);
  });
});
