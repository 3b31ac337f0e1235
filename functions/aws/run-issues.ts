import { ValidationError } from '#shared/errors.js';
import { renderTrialSpec } from '#shared/spec/template.js';
import type { Experiment } from '#shared/spec/types.js';
import { type BatchLauncherConfig, submitJobRequest } from '#shared/training/batch-job.js';

/**
 * Whether an experiment's trials fit AWS Batch, checked when it is submitted (a 400 then, rather than
 * a failed trial later): its trial job is rendered with each parameter's first feasible value and
 * turned into a SubmitJob request, and every problem comes back under `spec.trialTemplate.trialSpec`.
 */
export function batchIssues(experiment: Experiment, config: BatchLauncherConfig | undefined): string[] {
  const template = experiment.spec.trialTemplate;
  if (!config) return ['spec.trialTemplate: this deployment has no AWS Batch compute to run trials on'];
  if (!template.trialSpec) return [];
  const assignments = (experiment.spec.parameters ?? []).map((p) => ({
    name: p.name,
    value: String(p.feasibleSpace.list?.[0] ?? p.feasibleSpace.min ?? ''),
  }));
  const job = renderTrialSpec(template.trialSpec, template.trialParameters ?? [], assignments, {
    name: `${experiment.metadata.name}-check`,
    namespace: experiment.metadata.namespace ?? 'default',
  });
  try {
    submitJobRequest(
      {
        namespace: experiment.metadata.namespace ?? 'default',
        experiment: experiment.metadata.name,
        trialName: `${experiment.metadata.name}-check`,
        job,
        primaryContainerName: template.primaryContainerName ?? '',
      },
      config,
    );
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return e.issues.map((i) => `spec.trialTemplate.trialSpec.${i.path}: ${i.message}`);
  }
}
