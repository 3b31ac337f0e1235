import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BatchClient, DescribeJobsCommand, ListJobsCommand, SubmitJobCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { describe, expect, it, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchLauncher } from '#shared/adapters/batch-launcher.js';
import type { ValidationError } from '#shared/errors.js';
import type { TrialRunRequest } from '#shared/ports/trial-launcher.js';
import { loadExperiment } from '#shared/spec/load.js';
import { renderTrialSpec } from '#shared/spec/template.js';
import { batchJobName, retryStrategy, submitJobRequest } from '#shared/training/batch-job.js';
import { loadTrainingJob } from '#shared/training/job-spec.js';
import { conformanceDir } from '../helpers.js';

const CONFIG = {
  jobQueue: 'tunestep-gpu',
  jobDefinitions: { 'pytorch/train:1': 'arn:aws:batch:eu-west-1:1:job-definition/tunestep-train:3' },
};

function request(job: Record<string, unknown>, extra: Partial<TrialRunRequest> = {}): TrialRunRequest {
  return {
    namespace: 'team-a',
    experiment: 'mnist',
    trialName: 'mnist-abc123',
    job: job as TrialRunRequest['job'],
    primaryContainerName: 'pytorch',
    env: { TUNESTEP_TRIAL_NAME: 'mnist-abc123' },
    ...extra,
  };
}

const container = (command: string[], resources?: Record<string, unknown>) => ({
  spec: {
    containers: [
      { name: 'pytorch', image: 'pytorch/train:1', command, env: [{ name: 'EPOCHS', value: '3' }], ...(resources ? { resources } : {}) },
    ],
  },
});

const pytorchJob = (runPolicy: Record<string, unknown> = {}) =>
  loadTrainingJob(
    JSON.stringify({
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'mnist-abc123' },
      spec: {
        runPolicy: { backoffLimit: 3, activeDeadlineSeconds: 3600, ...runPolicy },
        pytorchReplicaSpecs: {
          Worker: {
            replicas: 2,
            template: container(['python3', 'train.py', '--lr=0.1'], { limits: { 'nvidia.com/gpu': 1, cpu: '3500m', memory: '15Gi' } }),
          },
          Master: {
            replicas: 1,
            template: container(['python3', 'train.py', '--lr=0.1'], { limits: { 'nvidia.com/gpu': 1, memory: '15Gi' } }),
          },
        },
      },
    }),
  ) as unknown as Record<string, unknown>;

describe('submitJobRequest: a trial as one Batch multi-node job', () => {
  it('maps a PyTorchJob field by field: Master on the main node, a node group per type behind the bootstrap', () => {
    const input = submitJobRequest(request(pytorchJob()), CONFIG);
    expect(input.jobName).toBe('mnist-abc123');
    expect(input.jobQueue).toBe('tunestep-gpu');
    expect(input.jobDefinition).toBe('arn:aws:batch:eu-west-1:1:job-definition/tunestep-train:3');
    expect(input.nodeOverrides?.numNodes).toBe(3);
    const [master, workers] = input.nodeOverrides!.nodePropertyOverrides!;
    expect(master!.targetNodes).toBe('0:0');
    expect(workers!.targetNodes).toBe('1:2');
    expect(master!.containerOverrides!.command).toEqual([
      'node',
      '/opt/tunestep/tunestep-bootstrap.mjs',
      '--',
      'python3',
      'train.py',
      '--lr=0.1',
    ]);
    const env = Object.fromEntries(master!.containerOverrides!.environment!.map((e) => [e.name, e.value]));
    expect(env.EPOCHS).toBe('3');
    expect(env.TUNESTEP_TRIAL_NAME).toBe('mnist-abc123');
    // The defaulted job's nprocPerNode travels too: the bootstrap computes WORLD_SIZE from it.
    expect(JSON.parse(env.TUNESTEP_JOB!)).toEqual({ kind: 'PyTorchJob', replicas: { Worker: 2, Master: 1 }, nprocPerNode: 'auto' });
    expect(master!.containerOverrides!.resourceRequirements).toEqual([
      { type: 'GPU', value: '1' },
      { type: 'MEMORY', value: '15360' },
    ]);
    expect(workers!.containerOverrides!.resourceRequirements).toEqual([
      { type: 'GPU', value: '1' },
      { type: 'VCPU', value: '4' },
      { type: 'MEMORY', value: '15360' },
    ]);
    // PyTorch's default restart policy is OnFailure: backoffLimit 3 -> 4 attempts of the whole gang.
    expect(input.retryStrategy).toEqual({ attempts: 4 });
    expect(input.timeout).toEqual({ attemptDurationSeconds: 3600 });
    expect(input.tags).toEqual({ 'tunestep:namespace': 'team-a', 'tunestep:experiment': 'mnist', 'tunestep:trial': 'mnist-abc123' });
    expect(input.propagateTags).toBe(true);
  });

  it('turns restart policies into retry strategies Batch understands', () => {
    expect(retryStrategy('Never', 5)).toEqual({ attempts: 1 });
    expect(retryStrategy('OnFailure', 50)).toEqual({ attempts: 10 });
    const exitCode = retryStrategy('ExitCode', 2);
    expect(exitCode.attempts).toBe(3);
    expect(exitCode.evaluateOnExit).toHaveLength(5);
    expect(exitCode.evaluateOnExit!.at(-1)).toEqual({ onReason: '*', action: 'EXIT' });
  });

  it("checks Batch's limits up front, every problem at once, with field paths", () => {
    const job = pytorchJob({ activeDeadlineSeconds: 30 }) as any;
    job.spec.pytorchReplicaSpecs.Worker.replicas = 1000;
    job.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].image = 'other:2';
    job.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].resources.limits.memory = 'lots';
    let error: ValidationError | undefined;
    try {
      submitJobRequest(request(job), CONFIG);
    } catch (e) {
      error = e as ValidationError;
    }
    const paths = error!.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'spec.pytorchReplicaSpecs',
        'spec.runPolicy.activeDeadlineSeconds',
        'spec.pytorchReplicaSpecs.Master.template.spec.containers["pytorch"].resources.limits.memory',
      ]),
    );
    expect(error!.message).toContain('at most 1000');
    expect(error!.message).toContain('one image');
  });

  it('names the image that has no job definition', () => {
    const job = pytorchJob() as any;
    for (const t of ['Master', 'Worker']) job.spec.pytorchReplicaSpecs[t].template.spec.containers[0].image = 'unknown:1';
    expect(() => submitJobRequest(request(job), CONFIG)).toThrow(
      /no Batch job definition for image "unknown:1" \(configured images: pytorch\/train:1\)/,
    );
  });

  it('makes valid job names', () => {
    expect(batchJobName('exp', 'exp-x1')).toBe('exp-x1');
    expect(batchJobName('e.x', 'trial.1')).toBe('e-x-trial-1');
    expect(batchJobName('e', 'x'.repeat(200))).toHaveLength(128);
  });
});

describe('BatchLauncher with a mocked Batch API', () => {
  const batch = mockClient(BatchClient);
  const launcher = new BatchLauncher(new BatchClient({ region: 'eu-west-1' }), CONFIG, () => new Promise((r) => setTimeout(r, 1)));

  it('submits, records the job id, polls to the end and reports the outcome', async () => {
    batch.reset();
    batch.on(SubmitJobCommand).resolves({ jobId: 'job-1', jobName: 'mnist-abc123' });
    batch
      .on(DescribeJobsCommand)
      .resolvesOnce({ jobs: [{ jobId: 'job-1', status: 'RUNNING' } as never] })
      .resolves({
        jobs: [
          { jobId: 'job-1', status: 'FAILED', statusReason: 'Essential container in task exited', container: { exitCode: 3 } } as never,
        ],
      });
    const started: unknown[] = [];
    const result = await launcher.run(request(pytorchJob()), { onStarted: async (h) => void started.push(h), onLine: () => {} });
    expect(started).toEqual([{ kind: 'batch', id: 'job-1' }]);
    expect(result).toEqual({ outcome: 'failed', exitCode: 3, reason: 'Error', message: 'Essential container in task exited' });
    expect(batch.commandCalls(SubmitJobCommand)[0]!.args[0].input.nodeOverrides?.numNodes).toBe(3);
    expect(batch.commandCalls(DescribeJobsCommand)).toHaveLength(2);
  });

  it('terminates a running trial and reports it killed; reaps by job id', async () => {
    batch.reset();
    batch.on(SubmitJobCommand).resolves({ jobId: 'job-2' });
    let terminated = false;
    batch.on(DescribeJobsCommand).callsFake(async () => ({ jobs: [{ jobId: 'job-2', status: terminated ? 'FAILED' : 'RUNNING' }] }));
    batch.on(TerminateJobCommand).callsFake(async () => {
      terminated = true;
      return {};
    });
    const running = launcher.run(request(pytorchJob()), { onStarted: async () => {}, onLine: () => {} });
    await new Promise((r) => setTimeout(r, 10));
    await launcher.terminate('team-a', 'mnist-abc123');
    expect((await running).outcome).toBe('killed');
    expect(batch.commandCalls(TerminateJobCommand)[0]!.args[0].input.jobId).toBe('job-2');
    await launcher.reap({ kind: 'batch', id: 'job-9' });
    expect(batch.commandCalls(TerminateJobCommand)[1]!.args[0].input.jobId).toBe('job-9');
  });
});

describe('BatchLauncher.terminate for a job the state machine submitted', () => {
  const batch = mockClient(BatchClient);
  it("finds the trial's unfinished jobs in the queue by name and terminates them", async () => {
    batch.reset();
    batch.on(ListJobsCommand).resolves({
      jobSummaryList: [
        { jobId: 'j-old', jobName: 'mnist-abc123', status: 'FAILED' },
        { jobId: 'j-now', jobName: 'mnist-abc123', status: 'RUNNING' },
      ] as never,
    });
    batch.on(TerminateJobCommand).resolves({});
    await new BatchLauncher(new BatchClient({ region: 'eu-west-1' }), CONFIG).terminate('team-a', 'mnist-abc123');
    expect(batch.commandCalls(ListJobsCommand)[0]!.args[0].input).toEqual({
      jobQueue: 'tunestep-gpu',
      filters: [{ name: 'JOB_NAME', values: ['mnist-abc123'] }],
    });
    expect(batch.commandCalls(TerminateJobCommand).map((c) => c.args[0].input.jobId)).toEqual(['j-now']);
  });
});

describe("Katib's and Kubeflow's example jobs as SubmitJob requests", () => {
  const dir = conformanceDir();
  if (!dir) {
    test('are skipped: no conformance data at ../shared/conformance or $TUNESTEP_CONFORMANCE_DIR', () => {
      console.warn('SKIPPED: Katib and Kubeflow examples not found (set TUNESTEP_CONFORMANCE_DIR)');
    });
    return;
  }
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.yaml') ? [join(d, f)] : []));
  const imagesOf = (job: any): string[] =>
    JSON.stringify(job)
      .match(/"image":"[^"]+"/g)
      ?.map((m) => m.slice(9, -1)) ?? [];
  const expectNodes = (input: ReturnType<typeof submitJobRequest>, replicas: number) => {
    expect(input.nodeOverrides!.numNodes).toBe(replicas);
    // Node groups cover 0..numNodes-1 without gaps, each command behind the bootstrap.
    let next = 0;
    for (const o of input.nodeOverrides!.nodePropertyOverrides!) {
      const [a, b] = o.targetNodes!.split(':').map(Number);
      expect(a).toBe(next);
      next = b! + 1;
      expect(o.containerOverrides!.command!.slice(0, 3)).toEqual(['node', '/opt/tunestep/tunestep-bootstrap.mjs', '--']);
    }
    expect(next).toBe(replicas);
    expect(Buffer.byteLength(JSON.stringify(input))).toBeLessThan(30 * 1024);
  };

  const katib = ['pytorchjob-mnist.yaml', 'mpijob-horovod.yaml', 'tfjob-mnist-with-summaries.yaml', 'xgboostjob-lightgbm.yaml'];
  const katibFiles = walk(join(dir, 'katib', 'examples', 'v1beta1')).filter((f) => katib.some((k) => f.endsWith(`/${k}`)));
  test.each(katibFiles.map((f) => ({ name: f.split('/').pop()!, f })))("Katib's $name: its trial job", ({ f }) => {
    const exp = loadExperiment(readFileSync(f, 'utf8'), f);
    const tt = exp.spec.trialTemplate;
    const assignments = (exp.spec.parameters ?? []).map((p) => ({
      name: p.name,
      value: p.feasibleSpace.list?.[0] ?? p.feasibleSpace.min!,
    }));
    const job = renderTrialSpec(tt.trialSpec!, tt.trialParameters ?? [], assignments, {
      name: `${exp.metadata.name}-t1`,
      namespace: 'kubeflow',
    });
    const images = [...new Set(imagesOf(job))];
    const input = submitJobRequest(
      request(job as Record<string, unknown>, {
        experiment: exp.metadata.name,
        trialName: `${exp.metadata.name}-t1`,
        primaryContainerName: tt.primaryContainerName ?? '',
      }),
      // The images' entrypoints as the stack would declare them (Katib's XGBoost example gives only args).
      {
        jobQueue: 'q',
        jobDefinitions: Object.fromEntries(images.map((i) => [i, { jobDefinition: `def-${i}`, entrypoint: ['python3', '/opt/entry.py'] }])),
      },
    );
    const specKey = Object.keys((job as any).spec).find((k) => k.endsWith('ReplicaSpecs'))!;
    const replicas = Object.values((job as any).spec[specKey]).reduce((s: number, r: any) => s + Number(r.replicas ?? 1), 0);
    expectNodes(input, replicas);
    expect(input.jobName).toBe(`${exp.metadata.name}-t1`);
    for (const o of input.nodeOverrides!.nodePropertyOverrides!) expect(o.containerOverrides!.command!.length).toBeGreaterThan(3);
  });

  const kubeflow = walk(join(dir, 'kubeflow-training', 'v1', 'examples')).filter((f) =>
    /apiVersion:\s*"?kubeflow.org\/v1"?\s*\nkind:\s*"?(PyTorchJob|XGBoostJob|TFJob)/.test(readFileSync(f, 'utf8')),
  );
  const fits = kubeflow
    .map((f) => ({ f, job: loadTrainingJob(readFileSync(f, 'utf8'), f) as any }))
    .filter(({ job }) => new Set(imagesOf(job)).size === 1);
  test.each(fits.map(({ f, job }) => ({ name: f.split('/examples/')[1]!, job })))("Kubeflow's $name", ({ job }) => {
    const specKey = Object.keys(job.spec).find((k: string) => k.endsWith('ReplicaSpecs'))!;
    const image = imagesOf(job)[0]!;
    const primary = (Object.values(job.spec[specKey])[0] as any).template.spec.containers[0].name;
    const convert = () =>
      submitJobRequest(request(job, { primaryContainerName: primary }), { jobQueue: 'q', jobDefinitions: { [image]: 'def' } });
    const withoutCommand = Object.entries(job.spec[specKey]).filter(([, r]: [string, any]) => !r.template.spec.containers[0].command);
    if (withoutCommand.length > 0) {
      // The image's own entrypoint cannot run behind the bootstrap: refused, naming the container.
      expect(convert).toThrow(
        new RegExp(`spec\\.${specKey}\\.${withoutCommand[0]![0]}\\.template\\.spec\\.containers\\[.*\\]\\.command: must be set`),
      );
      return;
    }
    expectNodes(
      convert(),
      Object.values(job.spec[specKey]).reduce((s: number, r: any) => s + Number(r.replicas ?? 1), 0),
    );
  });
});
