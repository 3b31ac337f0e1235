import type { TrainingJob } from './job-spec.js';
import type { JobStatus } from './job-status.js';

/** A training job submitted through the API, as the store keeps it. */
export interface JobRecord {
  namespace: string;
  name: string;
  uid: string;
  /** The defaulted job, without status. */
  job: TrainingJob;
  /** Kubeflow's job status (conditions, replicaStatuses, times), plus each replica's phase. */
  status: JobStatus;
  /** Local mode: the folder relative commands run in. */
  workdir?: string;
  createdAt: string;
  /** Local mode: the process running the job's replicas. */
  runner?: { pid: number; processStartTime?: string };
  version: number;
}

/** Whether a job has ended: its last condition is Succeeded or Failed. */
export function isJobFinished(record: Pick<JobRecord, 'status'>): boolean {
  const last = record.status.conditions.at(-1)?.type;
  return last === 'Succeeded' || last === 'Failed';
}
