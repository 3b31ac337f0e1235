/** The HTTP API as the UI calls it: the token from the URL the server printed, kept in localStorage. */
import { objectiveValue } from '../../shared/experiment/metrics.js';
import type { ObjectiveSpec } from '../../shared/spec/types.js';

const TOKEN_KEY = 'tunestep.token';

/** Takes `?token=` off the address (so it is not bookmarked or shared by accident) and keeps it. */
export function takeTokenFromUrl(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (!token) return;
  localStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete('token');
  window.history.replaceState(null, '', url.toString());
}

export const hasToken = (): boolean => localStorage.getItem(TOKEN_KEY) !== null;

export interface FieldCause {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly causes: FieldCause[],
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: string, type = 'application/json'): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${localStorage.getItem(TOKEN_KEY) ?? ''}`,
      ...(body !== undefined ? { 'content-type': type } : {}),
    },
    body,
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, data?.message ?? res.statusText, data?.details?.causes ?? []);
  return data as T;
}

// The Katib shapes the UI reads (a subset).
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message?: string;
  lastTransitionTime?: string;
}
export interface MetricSummary {
  name: string;
  min: string;
  max: string;
  latest: string;
}
export interface Assignment {
  name: string;
  value: string;
}
export interface ParameterSpec {
  name: string;
  parameterType: string;
  feasibleSpace: { min?: string; max?: string; step?: string; list?: string[]; distribution?: string };
}
export interface Experiment {
  metadata: { name: string; namespace: string; creationTimestamp?: string };
  spec: {
    objective: {
      type: 'minimize' | 'maximize';
      objectiveMetricName: string;
      additionalMetricNames?: string[];
      goal?: number;
      metricStrategies?: { name: string; value: string }[];
    };
    algorithm: { algorithmName: string; algorithmSettings?: { name: string; value: string }[] };
    parameters?: ParameterSpec[];
    maxTrialCount?: number;
    parallelTrialCount?: number;
    maxFailedTrialCount?: number;
  };
  status: {
    conditions: Condition[];
    startTime?: string;
    completionTime?: string;
    trials?: number;
    trialsSucceeded?: number;
    trialsFailed?: number;
    trialsRunning?: number;
    trialsEarlyStopped?: number;
    trialMetricsUnavailable?: number;
    currentOptimalTrial: { bestTrialName?: string; parameterAssignments: Assignment[]; observation: { metrics: MetricSummary[] } };
  };
}
export interface Trial {
  metadata: { name: string; namespace: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec: { parameterAssignments: Assignment[] };
  status: { conditions: Condition[]; startTime?: string; completionTime?: string; observation?: { metrics: MetricSummary[] } };
}
export interface TrainingJob {
  kind: string;
  metadata: { name: string; namespace: string; creationTimestamp?: string };
  spec: Record<string, unknown>;
  status: {
    conditions: Condition[];
    replicaStatuses: Record<string, { active: number; succeeded: number; failed: number }>;
    startTime?: string;
    completionTime?: string;
    restarts?: number;
    replicaStates?: { name: string; type: string; index: number; phase: string }[];
  };
}
export const JOB_KINDS = ['PyTorchJob', 'TFJob', 'MPIJob', 'XGBoostJob', 'JAXJob', 'Job'];
export interface ObservationLog {
  observationLog: { metricLogs: { timeStamp: string; step?: number; metric: { name: string; value: string } }[] };
}
export interface LogPage {
  text: string;
  offset: number;
  nextOffset: number;
  size: number;
  finished: boolean;
}

export const lastCondition = (c: Condition[]): Condition | undefined => c[c.length - 1];

/** What the UI shows as an experiment's or trial's status: its last condition, Stopped for a stopped experiment. */
export function statusText(conditions: Condition[]): string {
  const running = conditions.find((c) => c.type === 'Running');
  if (running?.reason === 'ExperimentStopped' && running.status === 'False' && lastCondition(conditions)?.type === 'Running')
    return 'Stopped';
  return lastCondition(conditions)?.type ?? 'Created';
}

/** The value a trial is judged by: its objective metric under the metric strategy (shared with the server). */
export function objectiveOf(exp: Experiment, metrics: MetricSummary[] | undefined): number | undefined {
  return objectiveValue(exp.spec.objective as ObjectiveSpec, metrics);
}

export function age(since?: string): string {
  if (!since) return '';
  const s = Math.max(0, (Date.now() - Date.parse(since)) / 1000);
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
