import type {
  ExperimentRecord,
  LogStreamRecord,
  ObservationRecord,
  TrialRecord,
  TrialStreamRecord,
  TrialSummary,
} from '../experiment/records.js';
import type { JobRecord } from '../training/job-record.js';

/**
 * Persistence of experiments, trials and observation logs. Implementations use single-item conditional
 * writes only (no transactions: dynalite has none, and they cost double on AWS).
 *
 * Updates are optimistic: `update*` writes only if the stored `version` still equals the record's, and
 * returns the record with `version + 1`; otherwise it throws `ConflictError` and the caller re-reads.
 */
export interface ExperimentStore {
  /** @throws AlreadyExistsError when an experiment of that name exists in the namespace */
  createExperiment(record: ExperimentRecord): Promise<void>;
  getExperiment(namespace: string, name: string): Promise<ExperimentRecord | undefined>;
  /** Every experiment of a namespace, or of all namespaces when none is given. */
  listExperiments(namespace?: string): Promise<ExperimentRecord[]>;
  /** @throws ConflictError when the stored version differs from `record.version` */
  updateExperiment(record: ExperimentRecord): Promise<ExperimentRecord>;
  /** Deletes the experiment with its trials and their observations; the experiment item goes last. */
  deleteExperiment(namespace: string, name: string): Promise<void>;

  /** @throws AlreadyExistsError when a trial of that name exists (a slot taken by another lane) */
  createTrial(record: TrialRecord): Promise<void>;
  /** The trial in slot `index` of an experiment. */
  getTrial(namespace: string, experiment: string, index: number): Promise<TrialRecord | undefined>;
  /** Trials of an experiment, in creation (slot) order. */
  listTrials(namespace: string, experiment: string): Promise<TrialRecord[]>;
  /**
   * The trials from slot `fromIndex` on, with only the summary fields: what the loop reads for every
   * trial it plans (a finished trial never changes, so a planner that keeps those reads only the rest).
   */
  listTrialSummaries(namespace: string, experiment: string, fromIndex?: number): Promise<TrialSummary[]>;
  /** @throws ConflictError when the stored version differs from `record.version` */
  updateTrial(record: TrialRecord): Promise<TrialRecord>;

  /** Appends values to a trial's observation log; `firstSeq` numbers them so that a retry overwrites. */
  appendObservations(namespace: string, trial: string, observations: ObservationRecord[], firstSeq: number): Promise<void>;
  /** The sequence number to append a trial's next observations at (0 when its log is empty): one read, whatever the log's length. */
  nextObservationSeq(namespace: string, trial: string): Promise<number>;
  /** A trial's observation log in the order it was written. */
  listObservations(namespace: string, trial: string): Promise<ObservationRecord[]>;
  deleteObservations(namespace: string, trial: string): Promise<void>;

  /** @throws AlreadyExistsError when a job of that name exists in the namespace */
  createJob(record: JobRecord): Promise<void>;
  getJob(namespace: string, name: string): Promise<JobRecord | undefined>;
  /** Every training job of a namespace, or of all namespaces when none is given. */
  listJobs(namespace?: string): Promise<JobRecord[]>;
  /** @throws ConflictError when the stored version differs from `record.version` */
  updateJob(record: JobRecord): Promise<JobRecord>;
  deleteJob(namespace: string, name: string): Promise<void>;

  /** AWS: which trial a CloudWatch Logs stream belongs to. */
  getLogStream(logGroup: string, logStream: string): Promise<LogStreamRecord | undefined>;
  /** @throws AlreadyExistsError when the stream is known already */
  createLogStream(record: LogStreamRecord): Promise<void>;
  /** AWS: records a trial node's log stream (idempotent). */
  putTrialStream(record: TrialStreamRecord): Promise<void>;
  /** A trial's log streams, by rank. */
  listTrialStreams(namespace: string, trial: string): Promise<TrialStreamRecord[]>;
}
