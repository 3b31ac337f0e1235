import type { RunTrialInput } from '../contracts/tasks.js';
import { NotFoundError } from '../errors.js';
import { isExperimentFinished, isTrialFinished } from '../experiment/states.js';
import { collectorFor } from '../metrics/collector.js';
import type { LineSource, TrialRunResult } from '../ports/trial-launcher.js';
import { renderTrialSpec } from '../spec/template.js';
import type { KubeObject } from '../spec/types.js';
import type { UseCaseDeps } from './deps.js';
import { requireExperiment } from './experiment-status.js';
import { ObservationWriter } from './observation-writer.js';
import { retryOnConflict } from './retry.js';
import { transitionTrial } from './trial-transition.js';

/**
 * Runs one trial's workload to its end through the launcher (RunTrial; on AWS the `.sync` Batch
 * integration plays this part). Marks the trial Running with its runtime handle, and feeds every output
 * line to the experiment's metrics collector, whose observations go to the store in batches.
 */
export async function runTrial(deps: UseCaseDeps, input: RunTrialInput): Promise<TrialRunResult> {
  const record = await requireExperiment(deps, input.namespace, input.name);
  const trial = await deps.store.getTrial(input.namespace, input.name, input.trialName);
  if (!trial) throw new NotFoundError(`trial ${input.namespace}/${input.trialName} not found`);
  if (isTrialFinished(trial.state)) {
    return {
      outcome: trial.state === 'Killed' ? 'killed' : trial.state === 'Failed' ? 'failed' : 'succeeded',
      reason: trial.reason,
      message: 'trial had already finished',
    };
  }
  if (isExperimentFinished(record.state)) {
    return {
      outcome: 'killed',
      reason: 'ExperimentFinished',
      message: `experiment ended (${record.reason}) before the trial started`,
    };
  }

  const { spec } = record.experiment;
  const template = spec.trialTemplate;
  const job = renderTrialSpec(template.trialSpec as KubeObject, template.trialParameters ?? [], trial.parameterAssignments, {
    name: trial.name,
    namespace: trial.namespace,
  });
  job.metadata = { ...((job.metadata as object) ?? {}), name: trial.name, namespace: trial.namespace };

  const collectorKind = spec.metricsCollectorSpec?.collector?.kind ?? 'StdOut';
  const wanted: ReadonlySet<LineSource> = new Set(
    collectorKind === 'StdOut' ? ['stdout', 'stderr'] : collectorKind === 'File' ? ['file'] : [],
  );
  const collector = collectorFor(spec.objective, spec.metricsCollectorSpec);
  const writer = new ObservationWriter(deps.store, trial.namespace, trial.name);

  const result = await deps.launcher.run(
    {
      namespace: trial.namespace,
      experiment: record.name,
      trialName: trial.name,
      job,
      primaryContainerName: template.primaryContainerName ?? '',
      workdir: record.workdir,
      metricsFilePath: collectorKind === 'File' ? spec.metricsCollectorSpec?.source?.fileSystemPath?.path : undefined,
      env: {
        KATIB_TRIAL_NAME: trial.name,
        TUNESTEP_TRIAL_NAME: trial.name,
        TUNESTEP_EXPERIMENT_NAME: record.name,
      },
    },
    {
      onStarted: (handle) =>
        retryOnConflict(async () => {
          const current = await deps.store.getTrial(trial.namespace, record.name, trial.name);
          if (!current) return;
          await deps.store.updateTrial({
            ...transitionTrial(current, 'Running', 'TrialRunning', 'Trial is running', deps.clock.now()),
            runtime: handle,
          });
        }),
      onLine: (line, source) => {
        if (wanted.has(source)) writer.add(collector.collect(line, deps.clock.now()));
      },
    },
  );
  await writer.flush();
  return result;
}
