import {
  type BatchClient,
  DescribeJobsCommand,
  type JobDetail,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { LaunchError } from '../errors.js';
import type { RuntimeHandle } from '../experiment/records.js';
import type { TrialLauncher, TrialRunEvents, TrialRunRequest, TrialRunResult } from '../ports/trial-launcher.js';
import { type BatchLauncherConfig, batchJobName, submitJobRequest } from '../training/batch-job.js';

/** How a finished Batch job maps to a trial's run: the job's status is its main node's. */
export function runResult(detail: JobDetail): TrialRunResult {
  const exitCode = detail.container?.exitCode ?? detail.attempts?.at(-1)?.container?.exitCode;
  if (detail.status === 'SUCCEEDED')
    return { outcome: 'succeeded', exitCode, reason: 'Completed', message: detail.statusReason ?? 'Batch job succeeded' };
  const reason = /timeout/i.test(detail.statusReason ?? '') ? 'DeadlineExceeded' : 'Error';
  return { outcome: 'failed', exitCode, reason, message: detail.statusReason ?? `Batch job ${detail.status}` };
}

/**
 * Runs trials as AWS Batch multi-node parallel jobs. `run` submits and polls until the job ends (what
 * the state machine's `batch:submitJob.sync` does without a Lambda waiting); `terminate` and `reap`
 * call TerminateJob. Output reaches the metrics collector through the CloudWatch Logs subscription,
 * not through `onLine`.
 */
export class BatchLauncher implements TrialLauncher {
  private readonly running = new Map<string, { jobId: string; stopped: boolean }>();

  constructor(
    private readonly client: BatchClient,
    private readonly config: BatchLauncherConfig,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async run(request: TrialRunRequest, events: TrialRunEvents): Promise<TrialRunResult> {
    const input = submitJobRequest(request, this.config);
    const key = `${request.namespace}/${request.trialName}`;
    const { jobId } = await this.client.send(new SubmitJobCommand(input));
    if (!jobId) throw new LaunchError(`Batch accepted ${input.jobName} without a job id`);
    const entry = { jobId, stopped: false };
    this.running.set(key, entry);
    try {
      await events.onStarted({ kind: 'batch', id: jobId });
      for (;;) {
        const { jobs } = await this.client.send(new DescribeJobsCommand({ jobs: [jobId] }));
        const detail = jobs?.[0];
        if (detail?.status === 'SUCCEEDED' || detail?.status === 'FAILED') {
          if (entry.stopped) return { outcome: 'killed', reason: 'Killed', message: detail.statusReason ?? 'stopped' };
          return runResult(detail);
        }
        await this.sleep((this.config.pollSeconds ?? 30) * 1000);
      }
    } finally {
      this.running.delete(key);
    }
  }

  /**
   * Stops a trial's job: the one this launcher submitted, or else (the state machine's `.sync` task
   * submitted it; a Lambda ends the experiment) every unfinished job of the trial's name in the queue.
   */
  async terminate(namespace: string, trialName: string): Promise<void> {
    const entry = this.running.get(`${namespace}/${trialName}`);
    const reason = `Tunestep stopped trial ${trialName}`;
    if (entry) {
      entry.stopped = true;
      await this.client.send(new TerminateJobCommand({ jobId: entry.jobId, reason }));
      return;
    }
    const jobName = batchJobName('', trialName);
    const { jobSummaryList } = await this.client.send(
      new ListJobsCommand({ jobQueue: this.config.jobQueue, filters: [{ name: 'JOB_NAME', values: [jobName] }] }),
    );
    const unfinished = (jobSummaryList ?? []).filter((j) => j.jobName === jobName && j.status !== 'SUCCEEDED' && j.status !== 'FAILED');
    for (const j of unfinished) await this.client.send(new TerminateJobCommand({ jobId: j.jobId, reason }));
  }

  async reap(handle: RuntimeHandle): Promise<void> {
    if (handle.kind !== 'batch' || !handle.id) return;
    await this.client.send(new TerminateJobCommand({ jobId: handle.id, reason: 'Tunestep: the runner of this trial stopped' }));
  }
}
