import { AlreadyExistsError, ConflictError } from '../errors.js';
import {
  type ExperimentRecord,
  type LogStreamRecord,
  type ObservationRecord,
  TRIAL_SUMMARY_FIELDS,
  type TrialRecord,
  type TrialStreamRecord,
  type TrialSummary,
} from '../experiment/records.js';
import type { ExperimentStore } from '../ports/experiment-store.js';
import type { JobRecord } from '../training/job-record.js';

const key = (...parts: string[]) => parts.join('/');

/**
 * Versioned records named by namespace and name (experiments, training jobs): the create, read, list,
 * optimistic update and delete that both kinds share, on copies so callers never hold stored objects.
 */
class NamedRecords<T extends { namespace: string; name: string; version: number }> {
  private readonly items = new Map<string, T>();

  constructor(private readonly kind: string) {}

  create(record: T): void {
    const k = key(record.namespace, record.name);
    if (this.items.has(k)) throw new AlreadyExistsError(`${this.kind} ${record.namespace}/${record.name} already exists`);
    this.items.set(k, structuredClone(record));
  }

  get(namespace: string, name: string): T | undefined {
    const r = this.items.get(key(namespace, name));
    return r && structuredClone(r);
  }

  list(namespace?: string): T[] {
    return [...this.items.values()]
      .filter((r) => namespace === undefined || r.namespace === namespace)
      .sort((a, b) => (a.namespace + a.name).localeCompare(b.namespace + b.name))
      .map((r) => structuredClone(r));
  }

  update(record: T): T {
    const k = key(record.namespace, record.name);
    const stored = this.items.get(k);
    if (!stored || stored.version !== record.version) {
      throw new ConflictError(
        `${this.kind} ${record.namespace}/${record.name} changed (version ${stored?.version}, expected ${record.version})`,
      );
    }
    const next = { ...structuredClone(record), version: record.version + 1 };
    this.items.set(k, next);
    return structuredClone(next);
  }

  delete(namespace: string, name: string): void {
    this.items.delete(key(namespace, name));
  }
}

/** An `ExperimentStore` in memory, for unit tests; passes the same contract suite as the DynamoDB one. */
export class InMemoryExperimentStore implements ExperimentStore {
  private readonly experiments = new NamedRecords<ExperimentRecord>('experiment');
  private readonly trials = new Map<string, TrialRecord>();
  private readonly observations = new Map<string, Map<number, ObservationRecord>>();
  private readonly jobs = new NamedRecords<JobRecord>('job');
  private readonly streams = new Map<string, LogStreamRecord>();
  private readonly trialStreams = new Map<string, TrialStreamRecord>();

  async createExperiment(record: ExperimentRecord): Promise<void> {
    this.experiments.create(record);
  }

  async getExperiment(namespace: string, name: string): Promise<ExperimentRecord | undefined> {
    return this.experiments.get(namespace, name);
  }

  async listExperiments(namespace?: string): Promise<ExperimentRecord[]> {
    return this.experiments.list(namespace);
  }

  async updateExperiment(record: ExperimentRecord): Promise<ExperimentRecord> {
    return this.experiments.update(record);
  }

  async deleteExperiment(namespace: string, name: string): Promise<void> {
    for (const t of await this.listTrials(namespace, name)) {
      this.observations.delete(key(namespace, t.name));
      this.trials.delete(key(namespace, name, String(t.index)));
    }
    this.experiments.delete(namespace, name);
  }

  async createTrial(record: TrialRecord): Promise<void> {
    const k = key(record.namespace, record.experiment, String(record.index));
    if (this.trials.has(k)) throw new AlreadyExistsError(`trial ${record.namespace}/${record.name} already exists`);
    this.trials.set(k, structuredClone(record));
  }

  async getTrial(namespace: string, experiment: string, index: number): Promise<TrialRecord | undefined> {
    const r = this.trials.get(key(namespace, experiment, String(index)));
    return r && structuredClone(r);
  }

  async listTrials(namespace: string, experiment: string): Promise<TrialRecord[]> {
    return [...this.trials.values()]
      .filter((t) => t.namespace === namespace && t.experiment === experiment)
      .sort((a, b) => a.index - b.index)
      .map((t) => structuredClone(t));
  }

  async listTrialSummaries(namespace: string, experiment: string, fromIndex = 0): Promise<TrialSummary[]> {
    const trials = (await this.listTrials(namespace, experiment)).filter((t) => t.index >= fromIndex);
    return trials.map(
      (t) => Object.fromEntries(TRIAL_SUMMARY_FIELDS.filter((f) => t[f] !== undefined).map((f) => [f, t[f]])) as TrialSummary,
    );
  }

  async updateTrial(record: TrialRecord): Promise<TrialRecord> {
    const k = key(record.namespace, record.experiment, String(record.index));
    const stored = this.trials.get(k);
    if (!stored || stored.version !== record.version) {
      throw new ConflictError(`trial ${record.namespace}/${record.name} changed (version ${stored?.version}, expected ${record.version})`);
    }
    const next = { ...structuredClone(record), version: record.version + 1 };
    this.trials.set(k, next);
    return structuredClone(next);
  }

  async appendObservations(namespace: string, trial: string, observations: ObservationRecord[], firstSeq: number): Promise<void> {
    const k = key(namespace, trial);
    const log = this.observations.get(k) ?? new Map<number, ObservationRecord>();
    for (const [i, o] of observations.entries()) log.set(firstSeq + i, structuredClone(o));
    this.observations.set(k, log);
  }

  async nextObservationSeq(namespace: string, trial: string): Promise<number> {
    const log = this.observations.get(key(namespace, trial));
    return log && log.size > 0 ? Math.max(...log.keys()) + 1 : 0;
  }

  async listObservations(namespace: string, trial: string): Promise<ObservationRecord[]> {
    const log = this.observations.get(key(namespace, trial));
    if (!log) return [];
    return [...log.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => structuredClone(o));
  }

  async deleteObservations(namespace: string, trial: string): Promise<void> {
    this.observations.delete(key(namespace, trial));
  }

  async createJob(record: JobRecord): Promise<void> {
    this.jobs.create(record);
  }

  async getJob(namespace: string, name: string): Promise<JobRecord | undefined> {
    return this.jobs.get(namespace, name);
  }

  async listJobs(namespace?: string): Promise<JobRecord[]> {
    return this.jobs.list(namespace);
  }

  async updateJob(record: JobRecord): Promise<JobRecord> {
    return this.jobs.update(record);
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    this.jobs.delete(namespace, name);
  }

  async getLogStream(logGroup: string, logStream: string): Promise<LogStreamRecord | undefined> {
    const r = this.streams.get(key(logGroup, logStream));
    return r && structuredClone(r);
  }

  async createLogStream(record: LogStreamRecord): Promise<void> {
    const k = key(record.logGroup, record.logStream);
    if (this.streams.has(k)) throw new AlreadyExistsError(`log stream ${record.logStream} is known already`);
    this.streams.set(k, structuredClone(record));
  }

  async putTrialStream(record: TrialStreamRecord): Promise<void> {
    this.trialStreams.set(key(record.namespace, record.trial, String(record.rank), record.logStream), structuredClone(record));
  }

  async listTrialStreams(namespace: string, trial: string): Promise<TrialStreamRecord[]> {
    return [...this.trialStreams.values()]
      .filter((r) => r.namespace === namespace && r.trial === trial)
      .sort((a, b) => a.rank - b.rank || a.logStream.localeCompare(b.logStream))
      .map((r) => structuredClone(r));
  }
}
