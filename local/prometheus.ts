import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ExperimentStore } from '#shared/ports/experiment-store.js';
import type { Telemetry } from '#shared/ports/telemetry.js';
import { isJobFinished } from '#shared/training/job-record.js';

/** Durations of trials and jobs: seconds to a day. */
const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
/** Suggestion latency: a millisecond to a minute. */
const SUGGEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60];

/**
 * `/metrics` of the local server: counters and histograms fed by the use cases as things happen, and
 * gauges of what is running now read from the store at scrape time (so they are right even for work
 * a previous server started).
 */
export class PrometheusTelemetry implements Telemetry {
  readonly registry = new Registry();
  private readonly experimentsCreated: Counter;
  private readonly experimentsFinished: Counter;
  private readonly experimentDuration: Histogram;
  private readonly trialsCreated: Counter;
  private readonly trialsFinished: Counter;
  private readonly trialDuration: Histogram;
  private readonly suggestionDuration: Histogram;
  private readonly jobsCreated: Counter;
  private readonly jobsFinished: Counter;
  private readonly jobDuration: Histogram;
  private readonly jobRestarts: Counter;

  constructor(store: ExperimentStore) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tunestep_process_' });
    this.experimentsCreated = new Counter({
      name: 'tunestep_experiments_created_total',
      help: 'Experiments created',
      labelNames: ['namespace'],
      registers,
    });
    this.experimentsFinished = new Counter({
      name: 'tunestep_experiments_finished_total',
      help: 'Experiments ended, by status (Succeeded, Failed)',
      labelNames: ['namespace', 'status'],
      registers,
    });
    this.experimentDuration = new Histogram({
      name: 'tunestep_experiment_duration_seconds',
      help: 'Experiment durations, creation to end',
      labelNames: ['namespace', 'status'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.trialsCreated = new Counter({
      name: 'tunestep_trials_started_total',
      help: 'Trials whose workload started',
      labelNames: ['namespace', 'kind'],
      registers,
    });
    this.trialsFinished = new Counter({
      name: 'tunestep_trials_finished_total',
      help: 'Trials ended, by final state (Succeeded, Failed, MetricsUnavailable, EarlyStopped, Killed)',
      labelNames: ['namespace', 'kind', 'status'],
      registers,
    });
    this.trialDuration = new Histogram({
      name: 'tunestep_trial_duration_seconds',
      help: 'Trial durations, start to end',
      labelNames: ['namespace', 'kind', 'status'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.suggestionDuration = new Histogram({
      name: 'tunestep_suggestion_duration_seconds',
      help: 'Time the suggestion algorithm took per plan',
      labelNames: ['algorithm'],
      buckets: SUGGEST_BUCKETS,
      registers,
    });
    this.jobsCreated = new Counter({
      name: 'tunestep_jobs_created_total',
      help: 'Training jobs created',
      labelNames: ['namespace', 'kind'],
      registers,
    });
    this.jobsFinished = new Counter({
      name: 'tunestep_jobs_finished_total',
      help: 'Training jobs ended, by status',
      labelNames: ['namespace', 'kind', 'status'],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'tunestep_job_duration_seconds',
      help: 'Training job durations, start to end',
      labelNames: ['namespace', 'kind', 'status'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.jobRestarts = new Counter({
      name: 'tunestep_job_restarts_total',
      help: 'Replica restarts of training jobs',
      labelNames: ['namespace', 'kind'],
      registers,
    });

    // What exists now, by state: read at scrape time.
    new Gauge({
      name: 'tunestep_experiments',
      help: 'Experiments by namespace and state',
      labelNames: ['namespace', 'status'],
      registers,
      async collect() {
        this.reset();
        for (const e of await store.listExperiments())
          this.inc({ namespace: e.namespace, status: e.reason === 'ExperimentStopped' ? 'Stopped' : e.state });
      },
    });
    new Gauge({
      name: 'tunestep_trials_running',
      help: 'Trials running now',
      labelNames: ['namespace', 'kind'],
      registers,
      async collect() {
        this.reset();
        for (const e of await store.listExperiments()) {
          const kind = String(e.experiment.spec.trialTemplate.trialSpec?.kind ?? 'Job');
          const running = (await store.listTrialSummaries(e.namespace, e.name)).filter((t) => t.state === 'Running').length;
          if (running > 0) this.inc({ namespace: e.namespace, kind }, running);
        }
      },
    });
    new Gauge({
      name: 'tunestep_jobs_running',
      help: 'Training jobs running now',
      labelNames: ['namespace', 'kind'],
      registers,
      async collect() {
        this.reset();
        for (const j of await store.listJobs()) if (!isJobFinished(j)) this.inc({ namespace: j.namespace, kind: j.job.kind });
      },
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
    this.trialsCreated.inc({ namespace, kind });
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
