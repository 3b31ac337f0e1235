import type { Condition, Experiment, ExperimentStatus, MetricSummary, ParameterAssignment } from '../spec/types.js';
import type { ExperimentState, TrialState } from './states.js';

/** Where a running trial's workload is, so that a restarted runner can find and stop it. */
export interface RuntimeHandle {
  kind: 'local-process' | 'batch' | 'eks';
  /** Local: process id and process-group id of the trial's command, and its start time. */
  pid?: number;
  processStartTime?: string;
  /** AWS Batch job id or Kubernetes object name. */
  id?: string;
}

/** An experiment as the store keeps it. */
export interface ExperimentRecord {
  namespace: string;
  name: string;
  uid: string;
  /** The defaulted Katib object, without status. */
  experiment: Experiment;
  state: ExperimentState;
  reason: string;
  message: string;
  status: ExperimentStatus;
  /** Base seed of the suggestion algorithm (`random_state`, or drawn at creation). */
  seed: number;
  /** Local mode: the folder relative commands run in (the experiment file's folder). */
  workdir?: string;
  createdAt: string;
  /** How many lanes the current execution runs (Initialize sets it); a larger `parallelTrialCount` patched in makes the lanes yield to a new execution. */
  lanes?: number;
  /** Local mode: the process driving the experiment's loop, so that a second runner refuses to start. */
  runner?: { pid: number; processStartTime?: string };
  /** Optimistic-lock counter, bumped by every update. */
  version: number;
}

/** A trial as the store keeps it. */
export interface TrialRecord {
  namespace: string;
  experiment: string;
  name: string;
  /** The slot number: 0 for the first trial created, and so on. Names derive from it, so no slot is used twice. */
  index: number;
  parameterAssignments: ParameterAssignment[];
  /** Labels the algorithm gave the trial (PBT's generation and parent), shown as Katib's trial labels. */
  labels?: Record<string, string>;
  state: TrialState;
  reason: string;
  message: string;
  conditions: Condition[];
  createdAt: string;
  startTime?: string;
  completionTime?: string;
  /** Summaries of the objective and additional metrics, set when the trial completes. */
  metrics?: MetricSummary[];
  /** The objective's values in the order reported (kept when the experiment uses early stopping). */
  objectiveCurve?: number[];
  runtime?: RuntimeHandle;
  /** Early stopping decided outside RunTrial (the AWS log pipeline): CompleteTrial then marks it EarlyStopped. */
  stopRequested?: { message: string };
  /** The execution that claimed the trial to run it; another execution may re-claim it after a crash. */
  claimedBy?: string;
  version: number;
}

/** A CloudWatch Logs stream of a trial's node (AWS): whose it is, learnt from the bootstrap's first line. */
export interface LogStreamRecord {
  logGroup: string;
  logStream: string;
  namespace: string;
  experiment: string;
  trial: string;
  /** The node's rank; only rank 0's output carries metrics. */
  rank: number;
}

/** Where one node of a trial writes its output on AWS (found from the log stream's first line). */
export interface TrialStreamRecord {
  namespace: string;
  trial: string;
  rank: number;
  logGroup: string;
  logStream: string;
}

/** One metric value reported by a trial (a row of Katib's observation log). */
export interface ObservationRecord {
  metricName: string;
  value: string;
  /** RFC 3339 time the value was logged or received. */
  timestamp: string;
  /** Step, when the trial reports one; otherwise the position of the value in the trial's log. */
  step?: number;
}

/** The fields of a trial that planning and completion need: what a lean listing returns. */
export const TRIAL_SUMMARY_FIELDS = [
  'namespace',
  'experiment',
  'name',
  'index',
  'state',
  'parameterAssignments',
  'metrics',
  'objectiveCurve',
  'claimedBy',
  'version',
] as const;

/** A trial without its conditions, messages and runtime handle. */
export type TrialSummary = Pick<TrialRecord, (typeof TRIAL_SUMMARY_FIELDS)[number]>;
