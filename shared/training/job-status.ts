/**
 * The training operators' success and restart rules (../shared/reference/training-contracts.md 1.1-1.6),
 * as pure functions over replica phases, so that every launcher (local processes, Batch, EKS) judges a
 * job the same way.
 */

/** `stopped`: still running when the job ended, and stopped with the gang (Kubeflow deletes such pods). */
export type ReplicaPhase = 'pending' | 'running' | 'restarting' | 'succeeded' | 'failed' | 'stopped';

/** Phases of every replica, by replica type, index order. */
export type ReplicaPhases = Readonly<Record<string, readonly ReplicaPhase[]>>;

/** What decides success, per job kind. */
export interface SuccessOptions {
  kind: string;
  /** PyTorchJob with an elastic policy: any worker's success ends the job. */
  elastic?: boolean;
  /** TFJob `successPolicy: AllWorkers`. */
  successPolicy?: string;
}

const done = (phases: readonly ReplicaPhase[] | undefined, i = 0) => phases?.[i] === 'succeeded';
const all = (phases: readonly ReplicaPhase[] | undefined) => (phases ?? []).length > 0 && phases!.every((p) => p === 'succeeded');

/**
 * Whether the job has succeeded: PyTorch, the Master (else every Worker, or any with elastic); TF, the
 * Chief or Master (else Worker 0, or every Worker with `AllWorkers`); XGBoost, the Master; MPI, the
 * Launcher; JAX, every Worker; a batch Job, its pod.
 */
export function jobSucceeded(phases: ReplicaPhases, options: SuccessOptions): boolean {
  switch (options.kind) {
    case 'PyTorchJob':
      if (phases.Master?.length) return done(phases.Master);
      return options.elastic ? (phases.Worker ?? []).some((p) => p === 'succeeded') : all(phases.Worker);
    case 'TFJob':
      if (phases.Chief?.length) return done(phases.Chief);
      if (phases.Master?.length) return done(phases.Master);
      return options.successPolicy === 'AllWorkers' ? all(phases.Worker) : done(phases.Worker);
    case 'XGBoostJob':
      return done(phases.Master);
    case 'JAXJob':
      return all(phases.Worker);
    case 'MPIJob':
      return done(phases.Launcher);
    default:
      return Object.values(phases).every(all);
  }
}

/** What a replica's exit means under its restart policy: restart it, or it has failed for good. */
export function afterFailure(restartPolicy: string, exitCode: number): 'restart' | 'fail' {
  switch (restartPolicy) {
    case 'Always':
    case 'OnFailure':
      return 'restart';
    case 'ExitCode':
      // Katib's and the operator's IsRetryableExitCode: 128 and above (signals) are retried, 1-127 are permanent.
      return exitCode >= 128 ? 'restart' : 'fail';
    default:
      return 'fail';
  }
}

export interface JobCondition {
  type: 'Created' | 'Running' | 'Restarting' | 'Succeeded' | 'Failed' | 'Suspended';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** Kubeflow's job status: conditions, replica counts, times. */
export interface JobStatus {
  conditions: JobCondition[];
  replicaStatuses: Record<string, { active: number; succeeded: number; failed: number }>;
  startTime?: string;
  completionTime?: string;
  restarts: number;
  /** Tunestep's addition to Kubeflow's status: each replica by name with its phase (what the UI shows). */
  replicaStates?: { name: string; type: string; index: number; phase: ReplicaPhase }[];
}
