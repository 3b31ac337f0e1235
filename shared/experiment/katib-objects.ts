import { renderTrialSpec } from '../spec/template.js';
import type { Experiment, KubeObject } from '../spec/types.js';
import type { ExperimentRecord, TrialRecord, TrialSummary } from './records.js';
import { countTrials, optimalTrial } from './status.js';

/** Katib's label tying a trial to its experiment. */
export const EXPERIMENT_LABEL = 'katib.kubeflow.org/experiment';

/**
 * The Katib `Experiment` object of a record. Counts, name lists and the optimal trial are derived from
 * the trials themselves (the stored item keeps conditions and times), so they are always current.
 */
export function experimentObject(record: ExperimentRecord, trials: TrialSummary[]): Experiment {
  return {
    ...record.experiment,
    status: { ...record.status, ...countTrials(trials), currentOptimalTrial: optimalTrial(record.experiment, trials) },
  };
}

/** The Katib `Trial` object of a record: `spec.parameterAssignments`, `spec.runSpec`, `status.observation`. */
export function trialObject(experiment: ExperimentRecord, trial: TrialRecord): KubeObject {
  const { spec } = experiment.experiment;
  const template = spec.trialTemplate;
  const runSpec = template.trialSpec
    ? renderTrialSpec(template.trialSpec, template.trialParameters ?? [], trial.parameterAssignments, {
        name: trial.name,
        namespace: trial.namespace,
      })
    : undefined;
  if (runSpec)
    runSpec.metadata = {
      ...((runSpec.metadata as object) ?? {}),
      name: trial.name,
      namespace: trial.namespace,
    };
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Trial',
    metadata: {
      name: trial.name,
      namespace: trial.namespace,
      creationTimestamp: trial.createdAt,
      labels: { ...trial.labels, [EXPERIMENT_LABEL]: experiment.name },
      ownerReferences: [
        {
          apiVersion: 'kubeflow.org/v1beta1',
          kind: 'Experiment',
          name: experiment.name,
          uid: experiment.uid,
          controller: true,
        },
      ],
    },
    spec: {
      objective: spec.objective,
      parameterAssignments: trial.parameterAssignments,
      runSpec,
      metricsCollector: spec.metricsCollectorSpec,
      primaryContainerName: template.primaryContainerName,
      primaryPodLabels: template.primaryPodLabels,
      successCondition: template.successCondition,
      failureCondition: template.failureCondition,
      retainRun: template.retain ?? false,
    },
    status: {
      startTime: trial.startTime,
      completionTime: trial.completionTime,
      conditions: trial.conditions,
      observation: trial.metrics ? { metrics: trial.metrics } : undefined,
    },
  };
}

/** A kubectl-style list. */
export function listObject(kind: string, items: unknown[]): KubeObject {
  return { apiVersion: 'kubeflow.org/v1beta1', kind: `${kind}List`, items, metadata: {} };
}
