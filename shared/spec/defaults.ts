import type { Experiment, MetricStrategy } from './types.js';

/** Katib's default parallelism (`DefaultTrialParallelCount`). */
export const DEFAULT_PARALLEL_TRIAL_COUNT = 3;
/** The namespace an Experiment without one lands in, as kubectl does. */
export const DEFAULT_NAMESPACE = 'default';

const JOB_CONDITIONS = {
  successCondition: 'status.conditions.#(type=="Complete")#|#(status=="True")#',
  failureCondition: 'status.conditions.#(type=="Failed")#|#(status=="True")#',
};
const KUBEFLOW_CONDITIONS = {
  successCondition: 'status.conditions.#(type=="Succeeded")#|#(status=="True")#',
  failureCondition: 'status.conditions.#(type=="Failed")#|#(status=="True")#',
};

/** Katib's default conditions and primary pod labels per trial kind (`constants.go`). */
export const KIND_DEFAULTS: Record<
  string,
  { successCondition: string; failureCondition: string; primaryPodLabels?: Record<string, string> }
> = {
  Job: JOB_CONDITIONS,
  TFJob: { ...KUBEFLOW_CONDITIONS, primaryPodLabels: { 'training.kubeflow.org/job-role': 'master' } },
  PyTorchJob: { ...KUBEFLOW_CONDITIONS, primaryPodLabels: { 'training.kubeflow.org/job-role': 'master' } },
  XGBoostJob: { ...KUBEFLOW_CONDITIONS, primaryPodLabels: { 'training.kubeflow.org/job-role': 'master' } },
  MPIJob: { ...KUBEFLOW_CONDITIONS, primaryPodLabels: { 'training.kubeflow.org/job-role': 'master' } },
  TrainJob: {
    ...JOB_CONDITIONS,
    primaryPodLabels: {
      'jobset.sigs.k8s.io/replicatedjob-name': 'node',
      'batch.kubernetes.io/job-completion-index': '0',
    },
  },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Applies Katib's mutating-webhook defaults (`experiment_defaults.go`) to a parsed document.
 * Returns a new object; tolerates malformed input (validation reports it afterwards).
 */
export function applyDefaults(raw: Record<string, unknown>): Experiment {
  const exp = structuredClone(raw) as Record<string, unknown>;
  if (isObject(exp.metadata) && exp.metadata.namespace === undefined) exp.metadata.namespace = DEFAULT_NAMESPACE;
  const spec = exp.spec;
  if (!isObject(spec)) return exp as unknown as Experiment;

  spec.parallelTrialCount ??= DEFAULT_PARALLEL_TRIAL_COUNT;
  spec.resumePolicy ??= 'Never';

  if (Array.isArray(spec.parameters)) {
    for (const p of spec.parameters) {
      if (isObject(p) && isObject(p.feasibleSpace)) p.feasibleSpace.distribution ??= 'uniform';
    }
  }

  if (isObject(spec.objective)) defaultMetricStrategies(spec.objective);

  spec.metricsCollectorSpec ??= {};
  if (isObject(spec.metricsCollectorSpec)) defaultCollector(spec.metricsCollectorSpec);

  const template = spec.trialTemplate;
  if (isObject(template) && isObject(template.trialSpec)) {
    const defaults = KIND_DEFAULTS[String(template.trialSpec.kind)];
    if (defaults) {
      template.successCondition ??= defaults.successCondition;
      template.failureCondition ??= defaults.failureCondition;
      if (defaults.primaryPodLabels) template.primaryPodLabels ??= { ...defaults.primaryPodLabels };
    }
  }
  return exp as unknown as Experiment;
}

function defaultMetricStrategies(objective: Record<string, unknown>): void {
  const fallback = objective.type === 'minimize' ? 'min' : objective.type === 'maximize' ? 'max' : 'latest';
  const strategies = Array.isArray(objective.metricStrategies) ? [...objective.metricStrategies] : [];
  const named = new Set(strategies.filter(isObject).map((s) => s.name));
  const metrics = [
    objective.objectiveMetricName,
    ...(Array.isArray(objective.additionalMetricNames) ? objective.additionalMetricNames : []),
  ];
  for (const name of metrics) {
    if (typeof name === 'string' && !named.has(name)) {
      strategies.push({ name, value: fallback } satisfies MetricStrategy);
      named.add(name);
    }
  }
  objective.metricStrategies = strategies;
}

function defaultCollector(mc: Record<string, unknown>): void {
  if (!isObject(mc.collector)) mc.collector = { kind: 'StdOut' };
  const collector = mc.collector as Record<string, unknown>;
  // Katib >= 0.18 renamed `None` to `Push`; we keep accepting the old name (a deliberate difference).
  if (collector.kind === 'None') collector.kind = 'Push';
  const source = (isObject(mc.source) ? mc.source : {}) as Record<string, unknown>;
  if (collector.kind === 'File') {
    const fsp = (isObject(source.fileSystemPath) ? source.fileSystemPath : {}) as Record<string, unknown>;
    fsp.kind ??= 'File';
    fsp.path ??= '/var/log/katib/metrics.log';
    fsp.format ??= 'TEXT';
    source.fileSystemPath = fsp;
    mc.source = source;
  } else if (collector.kind === 'TensorFlowEvent') {
    const fsp = (isObject(source.fileSystemPath) ? source.fileSystemPath : {}) as Record<string, unknown>;
    fsp.kind ??= 'Directory';
    fsp.path ??= '/var/log/katib/tfevent/';
    source.fileSystemPath = fsp;
    mc.source = source;
  } else if (collector.kind === 'PrometheusMetric') {
    const http = (isObject(source.httpGet) ? source.httpGet : {}) as Record<string, unknown>;
    http.path ??= '/metrics';
    http.port ??= 8080;
    source.httpGet = http;
    mc.source = source;
  }
}
