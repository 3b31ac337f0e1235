import type { ObservationRecord, RuntimeHandle } from '../experiment/records.js';
import type { KubeObject } from '../spec/types.js';

/** What a launcher needs to run one trial's workload. */
export interface TrialRunRequest {
  namespace: string;
  experiment: string;
  trialName: string;
  /** The trial's job with parameters substituted (`trialSpec` rendered). */
  job: KubeObject;
  primaryContainerName: string;
  /** Local mode: the folder relative commands run in. */
  workdir?: string;
  /** The File collector's path inside the container, when the experiment uses one. */
  metricsFilePath?: string;
  /**
   * The TensorFlowEvent collector's folder inside the container and the metric names to read from the
   * event files under it (the launcher reads them when the trial ends).
   */
  tfEvents?: { path: string; metricNames: string[] };
  /**
   * PBT: the trial's own checkpoint folder, seen by the container at `mountPath` and started as a copy
   * of `parentTrial`'s (Katib mounts the suggestion volume's `<experiment>/<trial>` there).
   */
  checkpoint?: { mountPath: string; parentTrial?: string };
  /** Extra environment for the primary container (trial name, push token). Never logged. */
  env?: Record<string, string>;
}

/** Where a line of trial output came from: its stdout, its stderr, or the File collector's file. */
export type LineSource = 'stdout' | 'stderr' | 'file';

/** Callbacks a launcher calls while a trial runs. */
export interface TrialRunEvents {
  /** The workload started; the handle is stored so that a restarted runner can find it. */
  onStarted(handle: RuntimeHandle): Promise<void>;
  /** One line of output, in order. */
  onLine(line: string, source: LineSource): void;
  /** Observations read from files rather than lines (TensorFlow event files), in order. */
  onObservations?(observations: ObservationRecord[]): void;
}

/** How a trial's workload ended (the job's conditions, reduced). */
export interface TrialRunResult {
  outcome: 'succeeded' | 'failed' | 'killed';
  exitCode?: number;
  /** Kubernetes-style reason: Completed, BackoffLimitExceeded, DeadlineExceeded, Killed ... */
  reason: string;
  message: string;
}

/**
 * Runs trial workloads: local processes, AWS Batch jobs or Kubeflow objects on EKS.
 * `run` resolves when the workload ends, as a `.sync` Step Functions integration does.
 */
export interface TrialLauncher {
  run(request: TrialRunRequest, events: TrialRunEvents): Promise<TrialRunResult>;
  /** Stops a running trial (experiment ended, early stop); its `run` then resolves `killed`. */
  terminate(namespace: string, trialName: string): Promise<void>;
  /** Stops a workload left behind by a runner that died, if it is still there. */
  reap(handle: RuntimeHandle): Promise<void>;
}
