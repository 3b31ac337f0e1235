import { KIND_DEFAULTS } from '#shared/spec/defaults.js';
import type { Experiment } from '#shared/spec/types.js';
import { FRAMEWORKS } from '#shared/training/job-spec.js';

/**
 * What local mode can run today, as field-path messages; checked before anything is written. Push
 * metrics need the HTTP API to push to, so they run under `tunestep server` (`push: true`).
 */
export function localRunIssues(exp: Experiment, options: { push: boolean }): string[] {
  const issues: string[] = [];
  const tt = exp.spec.trialTemplate;
  if (tt.configMap)
    issues.push('spec.trialTemplate.configMap: local mode has no Kubernetes ConfigMaps to read the template from; inline it as trialSpec');
  const kind = String(tt.trialSpec?.kind);
  const jobKinds = ['Job', ...Object.keys(FRAMEWORKS)];
  if (tt.trialSpec && !jobKinds.includes(kind)) {
    issues.push(
      `spec.trialTemplate.trialSpec.kind: local mode runs ${jobKinds.join(', ')} trials; ${JSON.stringify(kind)} is not supported locally yet`,
    );
  }
  // Locally a trial is judged by its job's own outcome, which is what Katib's default conditions read.
  const defaults = KIND_DEFAULTS[kind];
  for (const field of ['successCondition', 'failureCondition'] as const) {
    const given = tt[field];
    if (defaults && given !== undefined && given !== defaults[field]) {
      issues.push(
        `spec.trialTemplate.${field}: local mode decides a ${kind} trial by the job's own outcome (Katib's default ${JSON.stringify(defaults[field])}); the custom condition ${JSON.stringify(given)} is not evaluated locally`,
      );
    }
  }
  const collector = exp.spec.metricsCollectorSpec?.collector?.kind ?? 'StdOut';
  if (kind in FRAMEWORKS && !['StdOut', 'TensorFlowEvent'].includes(collector) && !(options.push && collector === 'Push')) {
    issues.push(
      `spec.metricsCollectorSpec.collector.kind: local mode collects the metrics of ${kind} trials from the primary replica's stdout (StdOut) or event files (TensorFlowEvent)${options.push ? ', or pushed (Push)' : ''}; got ${JSON.stringify(collector)}`,
    );
  }
  const supported = options.push ? ['StdOut', 'File', 'TensorFlowEvent', 'Push'] : ['StdOut', 'File', 'TensorFlowEvent'];
  if (!supported.includes(collector)) {
    issues.push(
      `spec.metricsCollectorSpec.collector.kind: ${options.push ? 'local mode' : 'tunestep run'} collects ${supported.join(', ')} metrics; ${JSON.stringify(collector)} is not supported${collector === 'Push' ? ' here: Push metrics need the HTTP API, so submit the experiment to tunestep server' : ' locally yet'}`,
    );
  }
  return issues;
}
