import { medianStopRule, shouldStop, stopMessage } from '../algorithms/median-stop.js';
import { AlreadyExistsError } from '../errors.js';
import { objectiveCurve } from '../experiment/metrics.js';
import type { LogStreamRecord } from '../experiment/records.js';
import { isTrialFinished } from '../experiment/states.js';
import { collectorFor } from '../metrics/collector.js';
import { parseMarker } from '../metrics/stream-marker.js';
import type { UseCaseDeps } from './deps.js';
import { trialOfExperiment } from './find-trial.js';
import { retryOnConflict } from './retry.js';

/** A batch of log lines of one stream, as a CloudWatch Logs subscription delivers them. */
export interface LogBatch {
  logGroup: string;
  logStream: string;
  events: { timestamp: number; message: string }[];
}

export interface RecordResult {
  trial?: string;
  observations: number;
  /** Lines not attributed to a trial's metrics (before the marker, other ranks, finished trials). */
  ignored: number;
  earlyStopped?: boolean;
}

/** The stream's owner: from the bootstrap's marker line when this batch has it, else as recorded before. */
async function streamOf(deps: UseCaseDeps, batch: LogBatch): Promise<{ stream?: LogStreamRecord; from: number }> {
  const at = batch.events.findIndex((e) => parseMarker(e.message) !== undefined);
  if (at >= 0) {
    const owner = parseMarker(batch.events[at]!.message)!;
    const record: LogStreamRecord = { logGroup: batch.logGroup, logStream: batch.logStream, ...owner };
    try {
      await deps.store.createLogStream(record);
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
    }
    // The other way round too, so that the API can page a trial's output from CloudWatch Logs.
    await deps.store.putTrialStream({
      namespace: owner.namespace,
      trial: owner.trial,
      rank: owner.rank,
      logGroup: batch.logGroup,
      logStream: batch.logStream,
    });
    return { stream: await deps.store.getLogStream(batch.logGroup, batch.logStream), from: at + 1 };
  }
  return { stream: await deps.store.getLogStream(batch.logGroup, batch.logStream), from: 0 };
}

const findTrial = (deps: UseCaseDeps, stream: LogStreamRecord) =>
  trialOfExperiment(deps.store, stream.namespace, stream.experiment, stream.trial);

/**
 * The record-observations function (AWS): a trial's stdout arrives from CloudWatch Logs, not through a
 * launcher, so this applies the experiment's StdOut collector (Katib's regex or the spec's filters) to
 * the primary node's lines, appends the observations to the trial's log in order, and applies median
 * stopping: a trial worse than the median is stopped (TerminateJob through the launcher) and marked
 * for CompleteTrial to record as EarlyStopped.
 */
export async function recordObservations(deps: UseCaseDeps, batch: LogBatch): Promise<RecordResult> {
  const { stream, from } = await streamOf(deps, batch);
  const lines = batch.events.slice(from);
  if (stream?.rank !== 0) return { trial: stream?.trial, observations: 0, ignored: batch.events.length };
  const experiment = await deps.store.getExperiment(stream.namespace, stream.experiment);
  const trial = experiment && (await findTrial(deps, stream));
  if (!experiment || !trial || isTrialFinished(trial.state)) return { trial: stream.trial, observations: 0, ignored: batch.events.length };

  const { spec } = experiment.experiment;
  const collector = collectorFor(spec.objective, spec.metricsCollectorSpec);
  const observations = lines.flatMap((e) => collector.collect(e.message, new Date(e.timestamp).toISOString()));
  if (observations.length > 0) {
    // CloudWatch delivers a stream's batches one at a time; each is appended after the log so far.
    const seq = await deps.store.nextObservationSeq(stream.namespace, stream.trial);
    await deps.store.appendObservations(stream.namespace, stream.trial, observations, seq);
  }

  let earlyStopped = false;
  if (spec.earlyStopping && observations.some((o) => o.metricName === spec.objective.objectiveMetricName)) {
    const history = await deps.store.listTrialSummaries(stream.namespace, stream.experiment);
    const rule = medianStopRule(
      spec.earlyStopping.algorithmSettings,
      spec.objective,
      history.filter((t) => t.state === 'Succeeded').map((t) => t.objectiveCurve ?? []),
    );
    const curve = objectiveCurve(spec.objective, await deps.store.listObservations(stream.namespace, stream.trial));
    if (rule && shouldStop(rule, curve)) {
      const message = stopMessage(spec.objective.objectiveMetricName, rule, curve);
      await retryOnConflict(async () => {
        const current = await findTrial(deps, stream);
        if (!current || isTrialFinished(current.state) || current.stopRequested) return;
        await deps.store.updateTrial({ ...current, stopRequested: { message } });
        if (current.runtime) await deps.launcher.reap(current.runtime);
        earlyStopped = true;
      });
    }
  }
  return { trial: stream.trial, observations: observations.length, ignored: from, ...(earlyStopped ? { earlyStopped } : {}) };
}
