import { shouldStop, stopMessage } from '../algorithms/median-stop.js';
import type { RunTrialInput } from '../contracts/tasks.js';
import { ConflictError } from '../errors.js';
import { MetricSummarizer } from '../experiment/metrics.js';
import type { ObservationRecord, TrialRecord } from '../experiment/records.js';
import { isTrialFinished } from '../experiment/states.js';
import { collectorFor } from '../metrics/collector.js';
import type { LineSource, TrialRunResult } from '../ports/trial-launcher.js';
import type { MetricSummary } from '../spec/types.js';

import type { UseCaseDeps } from './deps.js';
import { ObservationWriter } from './observation-writer.js';
import { retryOnConflict } from './retry.js';
import { transitionTrial } from './trial-transition.js';

/** What every trial's primary container is given, wherever it runs: its names, and where to push metrics. Never logged. */
export function trialEnvironment(
  deps: Pick<UseCaseDeps, 'trialEnv'>,
  namespace: string,
  experiment: string,
  trial: string,
): Record<string, string> {
  return {
    KATIB_TRIAL_NAME: trial,
    TUNESTEP_TRIAL_NAME: trial,
    TUNESTEP_EXPERIMENT_NAME: experiment,
    TUNESTEP_NAMESPACE: namespace,
    ...deps.trialEnv?.(namespace, trial),
  };
}

/**
 * Runs one trial's workload to its end through the launcher (RunTrial; on AWS the `.sync` Batch
 * integration plays this part). Reads nothing: PlanTrial handed it the trial and its launch spec.
 * Marks the trial Running with its runtime handle, a write conditional on the trial's version, so a
 * trial the experiment's end marked Killed meanwhile is stopped at once. Every output line goes to the
 * experiment's metrics collector, whose observations go to the store in batches; with early stopping,
 * each objective value is checked against the median rule and a trial worse than it is stopped.
 */
export async function runTrial(
  deps: UseCaseDeps,
  input: RunTrialInput,
): Promise<
  Omit<TrialRunResult, 'outcome'> & {
    outcome: TrialRunResult['outcome'] | 'earlyStopped';
    trial?: TrialRecord;
    metrics?: MetricSummary[];
    objectiveCurve?: number[];
  }
> {
  const { launch } = input;
  const collectorKind = launch.metricsCollectorSpec?.collector?.kind ?? 'StdOut';
  const wanted: ReadonlySet<LineSource> = new Set(
    collectorKind === 'StdOut' ? ['stdout', 'stderr'] : collectorKind === 'File' ? ['file'] : [],
  );
  const collector = collectorFor(launch.objective, launch.metricsCollectorSpec);
  const writer = new ObservationWriter(deps.store, input.namespace, input.trialName);
  const summarizer = new MetricSummarizer(launch.objective);
  let stopped: TrialRecord | undefined;
  let written: TrialRecord | undefined;
  // The objective's values as they arrive: the curve early stopping judges, kept on the trial.
  const curve: number[] = [];
  let earlyStop: string | undefined;

  // Every observation, from a line or a file, goes to the store, the summary and the early-stopping curve.
  const accept = (observations: ObservationRecord[]): void => {
    writer.add(observations);
    for (const o of observations) {
      summarizer.add(o);
      const v = Number(o.value);
      if (o.metricName !== launch.objective.objectiveMetricName || !Number.isFinite(v)) continue;
      curve.push(v);
      const rule = launch.earlyStopping;
      if (rule && !earlyStop && shouldStop(rule, curve)) {
        earlyStop = stopMessage(launch.objective.objectiveMetricName, rule, curve);
        void deps.launcher.terminate(input.namespace, input.trialName);
      }
    }
  };

  const result = await deps.launcher.run(
    {
      namespace: input.namespace,
      experiment: input.name,
      trialName: input.trialName,
      job: launch.job,
      primaryContainerName: launch.primaryContainerName,
      workdir: launch.workdir,
      metricsFilePath: collectorKind === 'File' ? launch.metricsCollectorSpec?.source?.fileSystemPath?.path : undefined,
      tfEvents:
        collectorKind === 'TensorFlowEvent'
          ? {
              path: launch.metricsCollectorSpec?.source?.fileSystemPath?.path ?? '/var/log/katib/tfevent/',
              metricNames: [launch.objective.objectiveMetricName, ...(launch.objective.additionalMetricNames ?? [])],
            }
          : undefined,
      checkpoint: launch.checkpoint,
      env: trialEnvironment(deps, input.namespace, input.name, input.trialName),
    },
    {
      onStarted: async (handle) => {
        let current = input.trial;
        await retryOnConflict(async () => {
          if (isTrialFinished(current.state)) {
            stopped = current;
            await deps.launcher.terminate(input.namespace, input.trialName);
            return;
          }
          try {
            written = await deps.store.updateTrial({
              ...transitionTrial(current, 'Running', 'TrialRunning', 'Trial is running', deps.clock.now()),
              runtime: handle,
            });
            deps.telemetry?.trialStarted(input.namespace, String(launch.job.kind ?? 'Job'));
          } catch (e) {
            if (!(e instanceof ConflictError)) throw e;
            current = (await deps.store.getTrial(input.namespace, input.name, input.trial.index)) ?? current;
            throw e;
          }
        });
      },
      onLine: (line, source) => {
        if (!wanted.has(source)) return;
        accept(collector.collect(line, deps.clock.now()));
      },
      onObservations: (observations) => {
        if (collectorKind === 'TensorFlowEvent') accept(observations);
      },
    },
  );
  await writer.flush();
  if (stopped) return { outcome: 'killed', reason: 'ExperimentFinished', message: `the trial was ${stopped.state} before it started` };
  // This task collected every observation itself (StdOut, File, TensorFlowEvent), so it can summarize them.
  const collected = wanted.size > 0 || collectorKind === 'TensorFlowEvent' ? { metrics: summarizer.summary(), objectiveCurve: curve } : {};
  if (earlyStop) return { outcome: 'earlyStopped', reason: 'EarlyStopped', message: earlyStop, trial: written, ...collected };
  return { ...result, trial: written, ...collected };
}
