import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EksLauncher, TRIAL_LABEL } from '#shared/adapters/eks-launcher.js';
import { eksToken } from '#shared/adapters/eks-token.js';
import type { TrialRunRequest } from '#shared/ports/trial-launcher.js';
import { loadTrainingJob } from '#shared/training/job-spec.js';
import { conformanceDir, crdValidators } from '../helpers.js';
import { KubernetesFake } from '../k8s-fake.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
let fake: KubernetesFake;
let token: string;

beforeAll(async () => {
  token = await eksToken('tunestep-cluster', 'eu-west-1', credentials, new Date('2026-11-30T12:00:00Z'));
  fake = new KubernetesFake(token);
  await fake.start();
});
afterAll(() => fake.stop());

const launcher = () => new EksLauncher({ kubeConfig: async () => fake.kubeConfig(token), pollSeconds: 0.01 });
const events = () => {
  const started: unknown[] = [];
  return { started, events: { onStarted: async (h: unknown) => void started.push(h), onLine: () => {} } };
};

function request(kind: 'PyTorchJob' | 'Job', trialName: string, runPolicy: Record<string, unknown> = {}): TrialRunRequest {
  const container = { name: kind === 'Job' ? 'main' : 'pytorch', image: 'trainer:1', command: ['python3', 'train.py', '--lr=0.1'] };
  const job =
    kind === 'Job'
      ? {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'x' },
          spec: { template: { spec: { containers: [container], restartPolicy: 'Never' } } },
        }
      : loadTrainingJob(
          JSON.stringify({
            apiVersion: 'kubeflow.org/v1',
            kind: 'PyTorchJob',
            metadata: { name: 'x' },
            spec: {
              runPolicy,
              pytorchReplicaSpecs: {
                Master: { replicas: 1, template: { spec: { containers: [container] } } },
                Worker: { replicas: 2, template: { spec: { containers: [container] } } },
              },
            },
          }),
        );
  return {
    namespace: 'team-a',
    experiment: 'mnist',
    trialName,
    job: job as TrialRunRequest['job'],
    primaryContainerName: container.name,
    env: { TUNESTEP_TRIAL_NAME: trialName, TUNESTEP_EXPERIMENT_NAME: 'mnist' },
  };
}

const path = (plural: string, name: string, group = 'kubeflow.org/v1') => `${group}/team-a/${plural}/${name}`;
/** Plays the operator: once the object exists, sets its conditions. */
async function operator(key: string, conditions: { type: string; status: string; reason?: string; message?: string }[]) {
  while (!fake.objects.has(key)) await new Promise((r) => setTimeout(r, 5));
  fake.setStatus(key, { conditions });
}

describe('EKS tokens', () => {
  it('are presigned STS GetCallerIdentity URLs naming the cluster, as aws eks get-token makes them', () => {
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261130/eu-west-1/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('are what the API server is called with (a wrong one gets 401)', async () => {
    const wrong = new EksLauncher({ kubeConfig: async () => fake.kubeConfig('k8s-aws-v1.wrong'), pollSeconds: 0.01 });
    await expect(wrong.run(request('PyTorchJob', 'mnist-unauth'), events().events)).rejects.toMatchObject({ code: 401 });
  });
});

describe('EksLauncher against a Kubernetes API fake', () => {
  it('creates the trial as a PyTorchJob, follows its conditions to Succeeded, and keeps it (cleanPodPolicy None)', async () => {
    const { started, events: ev } = events();
    const run = launcher().run(request('PyTorchJob', 'mnist-a1'), ev);
    await operator(path('pytorchjobs', 'mnist-a1'), [
      { type: 'Created', status: 'True' },
      { type: 'Running', status: 'True' },
    ]);
    await new Promise((r) => setTimeout(r, 30));
    fake.setStatus(path('pytorchjobs', 'mnist-a1'), {
      conditions: [
        { type: 'Running', status: 'False' },
        { type: 'Succeeded', status: 'True', reason: 'PyTorchJobSucceeded', message: 'PyTorchJob mnist-a1 is successfully completed.' },
      ],
    });
    expect(await run).toEqual({
      outcome: 'succeeded',
      reason: 'PyTorchJobSucceeded',
      message: 'PyTorchJob mnist-a1 is successfully completed.',
    });
    expect(started).toEqual([{ kind: 'eks', id: 'PyTorchJob/team-a/mnist-a1' }]);
    expect(fake.objects.has(path('pytorchjobs', 'mnist-a1'))).toBe(true);
    const sent = fake.objects.get(path('pytorchjobs', 'mnist-a1'))!;
    expect(sent.metadata).toMatchObject({
      name: 'mnist-a1',
      namespace: 'team-a',
      labels: { 'katib.kubeflow.org/experiment': 'mnist', [TRIAL_LABEL]: 'mnist-a1' },
    });
    const masterEnv = sent.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].env;
    expect(masterEnv).toEqual(expect.arrayContaining([{ name: 'TUNESTEP_TRIAL_NAME', value: 'mnist-a1' }]));
  });

  it('reports Failed, and deletes the object afterwards when cleanPodPolicy says so', async () => {
    const run = launcher().run(request('PyTorchJob', 'mnist-b2', { cleanPodPolicy: 'All' }), events().events);
    await operator(path('pytorchjobs', 'mnist-b2'), [
      { type: 'Failed', status: 'True', reason: 'PyTorchJobFailed', message: 'Master exited with 1' },
    ]);
    expect(await run).toMatchObject({ outcome: 'failed', reason: 'PyTorchJobFailed', message: 'Master exited with 1' });
    expect(fake.objects.has(path('pytorchjobs', 'mnist-b2'))).toBe(false);
  });

  it('runs a batch Job trial to Complete through the batch/v1 API', async () => {
    const run = launcher().run(request('Job', 'mnist-c3'), events().events);
    await operator(path('jobs', 'mnist-c3', 'batch/v1'), [{ type: 'Complete', status: 'True' }]);
    expect((await run).outcome).toBe('succeeded');
    expect(fake.objects.has(path('jobs', 'mnist-c3', 'batch/v1'))).toBe(false);
  });

  it("adopts its own object on a duplicate create (a retried task), and refuses somebody else's", async () => {
    const first = launcher().run(request('PyTorchJob', 'mnist-d4'), events().events);
    await operator(path('pytorchjobs', 'mnist-d4'), []);
    const retried = launcher().run(request('PyTorchJob', 'mnist-d4'), events().events);
    fake.setStatus(path('pytorchjobs', 'mnist-d4'), { conditions: [{ type: 'Succeeded', status: 'True' }] });
    expect((await first).outcome).toBe('succeeded');
    expect((await retried).outcome).toBe('succeeded');
    expect(fake.requests.filter((r) => r.method === 'POST' && r.body?.metadata?.name === 'mnist-d4')).toHaveLength(2);

    fake.objects.set(path('pytorchjobs', 'mnist-e5'), {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'mnist-e5', labels: {} },
    });
    await expect(launcher().run(request('PyTorchJob', 'mnist-e5'), events().events)).rejects.toThrow(
      /exists on the cluster and is not this trial's/,
    );
  });

  it('stops a running trial by deleting its object; the run ends killed', async () => {
    const l = launcher();
    const run = l.run(request('PyTorchJob', 'mnist-f6'), events().events);
    await operator(path('pytorchjobs', 'mnist-f6'), [{ type: 'Running', status: 'True' }]);
    await l.terminate('team-a', 'mnist-f6');
    expect((await run).outcome).toBe('killed');
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/pytorchjobs/mnist-f6'))).toBe(true);
    await l.reap({ kind: 'eks', id: 'PyTorchJob/team-a/mnist-gone' });
  });

  it('sends objects that are valid against the training operator CRDs', () => {
    const dir = conformanceDir();
    if (!dir) {
      console.warn('SKIPPED: CRD validation of sent objects: no conformance data at ../shared/conformance or $TUNESTEP_CONFORMANCE_DIR');
      return;
    }
    const check = crdValidators(dir).get('PyTorchJob')!;
    const sent = fake.requests.filter((r) => r.method === 'POST' && r.body?.kind === 'PyTorchJob').map((r) => r.body!);
    expect(sent.length).toBeGreaterThan(3);
    for (const body of sent) expect(check(body)).toEqual([]);
  });
});
