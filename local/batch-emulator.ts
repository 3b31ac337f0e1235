import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { freePort } from '#shared/adapters/local-job-runner.js';
import { stopGroup } from '#shared/adapters/process-group.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { recordObservations } from '#shared/use-cases/record-observations.js';

/** The `batch:submitJob.sync` task's parameters, as the state machine passes them (PascalCase). */
interface StatesSubmitJob {
  JobName: string;
  NodeOverrides: {
    NumNodes: number;
    NodePropertyOverrides: {
      TargetNodes: string;
      ContainerOverrides: { Command: string[]; Environment: { Name: string; Value: string }[] };
    }[];
  };
}

/** The log group Batch writes to by default (and the CDK stack subscribes to). */
export const BATCH_LOG_GROUP = '/aws/batch/job';

/**
 * AWS Batch's multi-node lifecycle on this machine, for the state machine's RunTrialOnBatch task in
 * local mode and tests: one process per node with exactly the `AWS_BATCH_*` variables Batch gives
 * (the main node, 0, first; the others with the main node's address), each running the command of its
 * node group (the runtime bootstrap in front of the trial's command); every node's output goes through
 * the same path as on AWS: the CloudWatch Logs subscription's record-observations use case. The job's
 * status is the main node's; when it exits, the other nodes are stopped (Batch's rules,
 * ../shared/reference/training-contracts.md section 3.3). One attempt; `RetryStrategy` is Batch's own.
 * Resolves with a DescribeJobs-like record, or throws `States.TaskFailed` with it as the cause.
 */
export async function emulateBatchJob(
  deps: UseCaseDeps,
  params: StatesSubmitJob,
  baseEnv: Record<string, string | undefined>,
): Promise<Record<string, unknown>> {
  const jobId = randomUUID();
  const nodes = params.NodeOverrides.NumNodes;
  const groupOf = (i: number) =>
    params.NodeOverrides.NodePropertyOverrides.find((o) => {
      const [a, b] = o.TargetNodes.split(':');
      return i >= Number(a || 0) && i <= (b === '' || b === undefined ? Number.POSITIVE_INFINITY : Number(b));
    });
  // Every node's bootstrap meets the main node on this port (on AWS each node has its own address).
  const bootstrapPort = String(await freePort());
  const pgids: number[] = [];
  const pending: Promise<unknown>[] = [];
  const startNode = (i: number) =>
    new Promise<number>((resolve) => {
      const group = groupOf(i);
      if (!group) return resolve(2);
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
      for (const e of group.ContainerOverrides.Environment) env[e.Name] = e.Value;
      Object.assign(env, {
        AWS_BATCH_JOB_ID: `${jobId}#${i}`,
        AWS_BATCH_JOB_ATTEMPT: '1',
        AWS_BATCH_JOB_NODE_INDEX: String(i),
        AWS_BATCH_JOB_MAIN_NODE_INDEX: '0',
        AWS_BATCH_JOB_NUM_NODES: String(nodes),
        TUNESTEP_BOOTSTRAP_PORT: bootstrapPort,
        TUNESTEP_NODE_ADDRESS: '127.0.0.1',
        ...(i === 0 ? {} : { AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS: '127.0.0.1' }),
      });
      const [command, ...args] = group.ContainerOverrides.Command;
      const child = spawn(command!, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      if (child.pid) pgids.push(child.pid);
      const logStream = `tunestep/default/${jobId}-${i}`;
      let batch = Promise.resolve();
      const ship = (message: string) => {
        const events = [{ timestamp: Date.now(), message }];
        batch = batch.then(() => recordObservations(deps, { logGroup: BATCH_LOG_GROUP, logStream, events }).then(() => undefined));
      };
      for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', ship);
      child.on('error', () => resolve(127));
      child.on('exit', (code, signal) => {
        pending.push(batch);
        resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15));
      });
    });
  const main = startNode(0);
  const children = Array.from({ length: nodes - 1 }, (_, k) => startNode(k + 1));
  const exitCode = await main;
  // The main node's exit ends the job: Batch stops the others.
  await Promise.all(pgids.slice(1).map((pgid) => stopGroup(pgid, 1000)));
  await Promise.all(children);
  await Promise.all(pending);
  const record = {
    JobId: jobId,
    JobName: params.JobName,
    Status: exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
    Container: { ExitCode: exitCode },
    StatusReason: exitCode === 0 ? 'Essential container in task exited' : `main node exited with ${exitCode}`,
  };
  if (exitCode !== 0) throw Object.assign(new Error(JSON.stringify(record)), { name: 'States.TaskFailed' });
  return record;
}
