import type { Counter, Histogram, Registry } from 'prom-client';
import { experimentStatus, isExperimentFinished } from '#shared/experiment/states.js';
import type { ExperimentStore } from '#shared/ports/experiment-store.js';
import type { Telemetry } from '#shared/ports/telemetry.js';
import { isJobFinished } from '#shared/training/job-record.js';

/** Durations of trials and jobs: seconds to a day. */
const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
/** Suggestion latency: a millisecond to a minute. */
const SUGGEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60];

type Prom = typeof import('prom-client');

/**
 * `/metrics` of the local server: counters and histograms fed by the use cases as things happen, and
 * gauges of what is running now read from the store at scrape time (so they are right even for work
 * a previous server started).
 */
export class PrometheusTelemetry implements Telemetry {
  readonly registry: Registry;
  private readonly experimentsCreated: Counter;
  private readonly experimentsFinished: Counter;
  private readonly experimentDuration: Histogram;
  private readonly trialsStarted: Counter;
  private readonly trialsFinished: Counter;
  private readonly trialDuration: Histogram;
  private readonly suggestionDuration: Histogram;
  private readonly jobsCreated: Counter;
  private readonly jobsFinished: Counter;
  private readonly jobDuration: Histogram;
  private readonly jobRestarts: Counter;

  /** prom-client is loaded only by the server that serves /metrics, not at every CLI start. */
  static async create(store: ExperimentStore): Promise<PrometheusTelemetry> {
    return new PrometheusTelemetry(await import('prom-client'), store);
  }

  private constructor(prom: Prom, store: ExperimentStore) {
    this.registry = new prom.Registry();
    const registers = [this.registry];
    prom.collectDefaultMetrics({ register: this.registry, prefix: 'tunestep_process_' });
    const counter = (name: string, help: string, labelNames: string[]) => new prom.Counter({ name, help, labelNames, registers });
    const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
      new prom.Histogram({ name, help, labelNames, buckets, registers });
    const byRun = ['namespace', 'kind', 'status'];

    this.experimentsCreated = counter('tunestep_experiments_created_total', 'Experiments created', ['namespace']);
    this.experimentsFinished = counter('tunestep_experiments_finished_total', 'Experiments ended, by status (Succeeded, Failed)', [
      'namespace',
      'status',
    ]);
    this.experimentDuration = histogram(
      'tunestep_experiment_duration_seconds',
      'Experiment durations, creation to end',
      ['namespace', 'status'],
      RUN_BUCKETS,
    );
    this.trialsStarted = counter('tunestep_trials_started_total', 'Trials whose workload started', ['namespace', 'kind']);
    this.trialsFinished = counter(
      'tunestep_trials_finished_total',
      'Trials ended, by final state (Succeeded, Failed, MetricsUnavailable, EarlyStopped, Killed)',
      byRun,
    );
    this.trialDuration = histogram('tunestep_trial_duration_seconds', 'Trial durations, start to end', byRun, RUN_BUCKETS);
    this.suggestionDuration = histogram(
      'tunestep_suggestion_duration_seconds',
      'Time the suggestion algorithm took per plan',
      ['algorithm'],
      SUGGEST_BUCKETS,
    );
    this.jobsCreated = counter('tunestep_jobs_created_total', 'Training jobs created', ['namespace', 'kind']);
    this.jobsFinished = counter('tunestep_jobs_finished_total', 'Training jobs ended, by status', byRun);
    this.jobDuration = histogram('tunestep_job_duration_seconds', 'Training job durations, start to end', byRun, RUN_BUCKETS);
    this.jobRestarts = counter('tunestep_job_restarts_total', 'Replica restarts of training jobs', ['namespace', 'kind']);

    // What exists now, by state: read at scrape time.
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      count: (inc: (labels: Record<string, string>, n?: number) => void) => Promise<void>,
    ) =>
      new prom.Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          this.reset();
          await count((labels, n = 1) => this.inc(labels, n));
        },
      });
    gauge('tunestep_experiments', 'Experiments by namespace and state', ['namespace', 'status'], async (inc) => {
      for (const e of await store.listExperiments()) inc({ namespace: e.namespace, status: experimentStatus(e) });
    });
    gauge('tunestep_trials_running', 'Trials running now', ['namespace', 'kind'], async (inc) => {
      // A finished experiment has no running trial: only the others' trials are read.
      for (const e of (await store.listExperiments()).filter((x) => !isExperimentFinished(x.state))) {
        const running = (await store.listTrialSummaries(e.namespace, e.name)).filter((t) => t.state === 'Running').length;
        if (running > 0) inc({ namespace: e.namespace, kind: String(e.experiment.spec.trialTemplate.trialSpec?.kind ?? 'Job') }, running);
      }
    });
    gauge('tunestep_jobs_running', 'Training jobs running now', ['namespace', 'kind'], async (inc) => {
      for (const j of await store.listJobs()) if (!isJobFinished(j)) inc({ namespace: j.namespace, kind: j.job.kind });
    });
  }

  experimentCreated(namespace: string): void {
    this.experimentsCreated.inc({ namespace });
  }
  experimentFinished(namespace: string, status: string, seconds: number): void {
    this.experimentsFinished.inc({ namespace, status });
    this.experimentDuration.observe({ namespace, status }, seconds);
  }
  trialStarted(namespace: string, kind: string): void {
    this.trialsStarted.inc({ namespace, kind });
  }
  trialFinished(namespace: string, kind: string, status: string, seconds: number): void {
    this.trialsFinished.inc({ namespace, kind, status });
    this.trialDuration.observe({ namespace, kind, status }, seconds);
  }
  suggestion(algorithm: string, seconds: number): void {
    this.suggestionDuration.observe({ algorithm }, seconds);
  }
  jobCreated(namespace: string, kind: string): void {
    this.jobsCreated.inc({ namespace, kind });
  }
  jobFinished(namespace: string, kind: string, status: string, seconds: number): void {
    this.jobsFinished.inc({ namespace, kind, status });
    this.jobDuration.observe({ namespace, kind, status }, seconds);
  }
  jobRestarted(namespace: string, kind: string): void {
    this.jobRestarts.inc({ namespace, kind });
  }
}
