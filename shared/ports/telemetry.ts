/**
 * Operational figures, as the Kubeflow training operator's Prometheus monitoring offers: counts of
 * experiments, trials and jobs by namespace, kind and outcome, their durations, suggestion latency by
 * algorithm, restarts. Locally a Prometheus registry (`/metrics`); on AWS CloudWatch metrics in the
 * embedded metric format. Calls never fail the caller.
 */
export interface Telemetry {
  experimentCreated(namespace: string): void;
  /** `status`: Succeeded or Failed; `seconds` from creation to the end. */
  experimentFinished(namespace: string, status: string, seconds: number): void;
  /** `kind`: the trial's job kind (Job, PyTorchJob, ...). */
  trialStarted(namespace: string, kind: string): void;
  /** `status`: the trial's final state; `seconds` from start to end (0 when it never started). */
  trialFinished(namespace: string, kind: string, status: string, seconds: number): void;
  suggestion(algorithm: string, seconds: number): void;
  jobCreated(namespace: string, kind: string): void;
  jobFinished(namespace: string, kind: string, status: string, seconds: number): void;
  jobRestarted(namespace: string, kind: string): void;
}

/** Seconds between two RFC 3339 times, 0 when either is missing. */
export function secondsBetween(start: string | undefined, end: string | undefined): number {
  if (!start || !end) return 0;
  return Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000);
}
