/**
 * Katib `kubeflow.org/v1beta1` Experiment types, field names exactly as Katib's Go structs serialize them.
 * Values in feasible spaces, settings and assignments are strings, as in Katib.
 */

export type ObjectiveType = 'minimize' | 'maximize';
export type MetricStrategyValue = 'min' | 'max' | 'latest';
export type ParameterType = 'double' | 'int' | 'discrete' | 'categorical';
export type Distribution = 'uniform' | 'logUniform' | 'normal' | 'logNormal';
export type CollectorKind = 'StdOut' | 'File' | 'TensorFlowEvent' | 'PrometheusMetric' | 'Custom' | 'Push';
export type ResumePolicy = 'Never' | 'LongRunning' | 'FromVolume';

export interface MetricStrategy {
  name: string;
  value: MetricStrategyValue;
}

export interface ObjectiveSpec {
  type: ObjectiveType;
  goal?: number;
  objectiveMetricName: string;
  additionalMetricNames?: string[];
  metricStrategies?: MetricStrategy[];
}

export interface AlgorithmSetting {
  name: string;
  value: string;
}

export interface AlgorithmSpec {
  algorithmName: string;
  algorithmSettings?: AlgorithmSetting[];
}

export interface EarlyStoppingSpec {
  algorithmName: string;
  algorithmSettings?: AlgorithmSetting[];
}

export interface FeasibleSpace {
  min?: string;
  max?: string;
  list?: string[];
  step?: string;
  distribution?: Distribution;
}

export interface ParameterSpec {
  name: string;
  parameterType: ParameterType;
  feasibleSpace: FeasibleSpace;
}

export interface TrialParameterSpec {
  name: string;
  description?: string;
  reference: string;
}

export interface ConfigMapSource {
  configMapName?: string;
  configMapNamespace?: string;
  templatePath?: string;
}

/** A Kubernetes object as YAML gives it: kept unstructured, as Katib does. */
export type KubeObject = Record<string, unknown>;

export interface TrialTemplate {
  retain?: boolean;
  trialSpec?: KubeObject;
  configMap?: ConfigMapSource;
  trialParameters?: TrialParameterSpec[];
  primaryPodLabels?: Record<string, string>;
  primaryContainerName?: string;
  successCondition?: string;
  failureCondition?: string;
}

export interface FileSystemPath {
  path?: string;
  kind?: 'File' | 'Directory';
  format?: 'TEXT' | 'JSON';
}

export interface MetricsCollectorSpec {
  source?: {
    httpGet?: { path?: string; port?: number | string; [k: string]: unknown };
    fileSystemPath?: FileSystemPath;
    filter?: { metricsFormat?: string[] };
  };
  collector?: { kind: CollectorKind; customCollector?: Record<string, unknown> };
}

export interface ExperimentSpec {
  parameters?: ParameterSpec[];
  objective: ObjectiveSpec;
  algorithm: AlgorithmSpec;
  earlyStopping?: EarlyStoppingSpec;
  trialTemplate: TrialTemplate;
  parallelTrialCount?: number;
  maxTrialCount?: number;
  maxFailedTrialCount?: number;
  metricsCollectorSpec?: MetricsCollectorSpec;
  nasConfig?: Record<string, unknown>;
  resumePolicy?: ResumePolicy;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface Experiment {
  apiVersion: 'kubeflow.org/v1beta1';
  kind: 'Experiment';
  metadata: ObjectMeta;
  spec: ExperimentSpec;
  status?: ExperimentStatus;
}

/** `{name, value}` as Katib's `ParameterAssignment`; the value is a string. */
export interface ParameterAssignment {
  name: string;
  value: string;
}

/** Katib's per-metric summary: every field a string, `unavailable` when no value arrived. */
export interface MetricSummary {
  name: string;
  min: string;
  max: string;
  latest: string;
}

export interface Observation {
  metrics: MetricSummary[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export interface OptimalTrial {
  bestTrialName: string;
  parameterAssignments: ParameterAssignment[];
  observation: Observation;
}

export interface ExperimentStatus {
  startTime?: string;
  completionTime?: string;
  lastReconcileTime?: string;
  conditions: Condition[];
  currentOptimalTrial: OptimalTrial;
  runningTrialList?: string[];
  pendingTrialList?: string[];
  failedTrialList?: string[];
  succeededTrialList?: string[];
  killedTrialList?: string[];
  earlyStoppedTrialList?: string[];
  metricsUnavailableTrialList?: string[];
  trials: number;
  trialsSucceeded: number;
  trialsFailed: number;
  trialsKilled: number;
  trialsPending: number;
  trialsRunning: number;
  trialsEarlyStopped: number;
  trialMetricsUnavailable: number;
}

/** The sentinel Katib writes for a metric that never arrived. */
export const UNAVAILABLE = 'unavailable';
