import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Telemetry } from '../ports/telemetry.js';

/** The CloudWatch namespace of Tunestep's metrics (the dashboard in infra/ reads the same). */
export const METRICS_NAMESPACE = 'Tunestep';

/**
 * The same figures as the local server's `/metrics`, on AWS: CloudWatch metrics written as embedded
 * metric format lines to the function's log (Powertools Metrics), which CloudWatch turns into metrics
 * with no API call and no extra cost beyond the log. Each event is one metric line with its own
 * dimensions (namespace, kind, status, algorithm), published at once.
 */
export class CloudWatchTelemetry implements Telemetry {
  private readonly metrics: Metrics;

  constructor(serviceName = 'tunestep') {
    this.metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  }

  private emit(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimensions: Record<string, string>): void {
    try {
      const single = this.metrics.singleMetric();
      single.addDimensions(dimensions);
      single.addMetric(name, unit, value);
    } catch {
      // Telemetry never fails the work it describes.
    }
  }

  experimentCreated(namespace: string): void {
    this.emit('ExperimentsCreated', MetricUnit.Count, 1, { namespace });
  }
  experimentFinished(namespace: string, status: string, seconds: number): void {
    this.emit('ExperimentsFinished', MetricUnit.Count, 1, { namespace, status });
    this.emit('ExperimentDuration', MetricUnit.Seconds, seconds, { namespace, status });
  }
  trialStarted(namespace: string, kind: string): void {
    this.emit('TrialsStarted', MetricUnit.Count, 1, { namespace, kind });
  }
  trialFinished(namespace: string, kind: string, status: string, seconds: number): void {
    this.emit('TrialsFinished', MetricUnit.Count, 1, { namespace, kind, status });
    this.emit('TrialDuration', MetricUnit.Seconds, seconds, { namespace, kind, status });
  }
  suggestion(algorithm: string, seconds: number): void {
    this.emit('SuggestionLatency', MetricUnit.Milliseconds, seconds * 1000, { algorithm });
  }
  jobCreated(namespace: string, kind: string): void {
    this.emit('JobsCreated', MetricUnit.Count, 1, { namespace, kind });
  }
  jobFinished(namespace: string, kind: string, status: string, seconds: number): void {
    this.emit('JobsFinished', MetricUnit.Count, 1, { namespace, kind, status });
    this.emit('JobDuration', MetricUnit.Seconds, seconds, { namespace, kind, status });
  }
  jobRestarted(namespace: string, kind: string): void {
    this.emit('JobRestarts', MetricUnit.Count, 1, { namespace, kind });
  }
}
