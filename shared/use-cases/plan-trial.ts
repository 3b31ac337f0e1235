import { medianStopRule } from '../algorithms/median-stop.js';
import { PBT_PARENT_LABEL } from '../algorithms/pbt.js';
import { hashString } from '../algorithms/rng.js';
import type { CompletionRules, LaunchSpec, PlanOutput } from '../contracts/tasks.js';
import { AlreadyExistsError, ConflictError } from '../errors.js';
import type { ExperimentRecord, TrialRecord, TrialSummary } from '../experiment/records.js';
import { isExperimentFinished } from '../experiment/states.js';
import { type Suggestions, suggestAssignments } from '../experiment/suggest.js';
import { renderTrialSpec } from '../spec/template.js';
import type { KubeObject, ParameterAssignment } from '../spec/types.js';
import { type BatchLauncherConfig, MAX_ATTEMPT_SECONDS, statesParameters, submitJobRequest } from '../training/batch-job.js';
import type { UseCaseDeps } from './deps.js';
import { requireExperiment } from './experiment-status.js';
import { retryOnConflict } from './retry.js';
import { trialEnvironment } from './run-trial.js';
import { transitionTrial } from './trial-transition.js';

/**
 * Step Functions keeps at most 25,000 events per execution; one lane iteration costs about 20.
 * A lane yields after its share of 20,000 so the execution can continue as a new one in time.
 */
const HISTORY_EVENT_BUDGET = 20_000;
const EVENTS_PER_ITERATION = 20;
/** How long a lane waits before asking again when the algorithm waits for running trials. */
const WAIT_FOR_TRIALS_SECONDS = 2;

/** The slot's trial name: `<experiment>-<8 lowercase alphanumerics>` like Katib's, but derived from the slot. */
export function trialName(record: ExperimentRecord, index: number): string {
  const a = hashString(`${record.uid}/${index}`).toString(36);
  const b = hashString(`${index}/${record.uid}`).toString(36);
  return `${record.name}-${`${a}${b}`.padStart(8, '0').slice(-8)}`;
}

/** Asks the experiment's algorithm for up to `count` assignments, as `suggestAssignments` does. */
export function suggest(record: ExperimentRecord, trials: TrialSummary[], count: number, slots?: number[]): Suggestions {
  return suggestAssignments(record.experiment, record.seed, trials, count, slots);
}

/**
 * One lane asks for its next trial (DESIGN section 2, PlanTrial). A trial left `Created` by an earlier
 * execution is claimed first; otherwise a free slot is taken with a conditional write, so two lanes
 * (or a retried call) can never create the same slot twice, and never more than `maxTrialCount`.
 * Returns the trial with everything RunTrial and CompleteTrial need, so that they read nothing.
 */
export async function planTrial(
  deps: Pick<UseCaseDeps, 'store' | 'clock' | 'history' | 'telemetry' | 'batch' | 'trialEnv'>,
  input: { namespace: string; name: string; executionId: string; lane: number; iteration: number; afterWait?: boolean },
): Promise<PlanOutput> {
  const iteration = input.iteration + 1;
  const plan = await retryOnConflict(async (): Promise<PlanOutput> => {
    const record = await requireExperiment(deps, input.namespace, input.name);
    if (isExperimentFinished(record.state)) return { action: 'stop', iteration };
    const parallel = record.experiment.spec.parallelTrialCount ?? 1;
    // A budget patched while running: lanes above a lowered parallelTrialCount end; a raised one makes
    // every lane yield, so that the next execution starts with more lanes (running trials finish first).
    if (input.lane >= parallel) return { action: 'stop', iteration };
    if (record.lanes !== undefined && parallel > record.lanes) return { action: 'yield', iteration };
    if (input.iteration >= Math.floor(HISTORY_EVENT_BUDGET / (EVENTS_PER_ITERATION * parallel))) {
      return { action: 'yield', iteration };
    }
    const trials: TrialSummary[] = deps.history
      ? await deps.history.read(input.namespace, input.name, record.uid)
      : await deps.store.listTrialSummaries(input.namespace, input.name);

    // A trial planned but never started by a previous execution (crash, resume) is run, not re-created.
    const orphan = trials.find((t) => t.state === 'Created' && t.claimedBy !== input.executionId);
    if (orphan) {
      const full = await deps.store.getTrial(input.namespace, input.name, orphan.index);
      if (!full) throw new ConflictError(`trial ${orphan.name} vanished while being claimed`);
      const claimed = await deps.store.updateTrial({ ...full, claimedBy: input.executionId });
      return {
        action: 'run',
        trialName: orphan.name,
        iteration,
        trial: claimed,
        launch: launchSpecFor(record, claimed, trials),
        rules: rulesOf(record),
      };
    }

    // Take a free slot with a conditional create. Lanes that plan at the same moment see the same
    // history, so lane k aims at the k-th free slot and takes the k-th of k+1 suggestions (a batch never
    // repeats itself): lanes in step neither race for a slot nor repeat each other's suggestion. One that
    // loses a slot reads only the winner and tries the first free slot. A slot left free for a moment is
    // filled by a later plan; a lane stops only when no slot below maxTrialCount is free.
    const max = record.experiment.spec.maxTrialCount ?? Number.POSITIVE_INFINITY;
    const taken = new Set(trials.map((t) => t.index));
    for (let attempt = 0; ; attempt++) {
      const free = freeSlots(taken, max, input.lane + 1);
      if (free.length === 0) return { action: 'stop', iteration };
      const rank = attempt === 0 && !input.afterWait ? Math.min(input.lane, free.length - 1) : 0;
      const index = free[rank]!;
      // Seeded by the first free slot, so that every lane planning from this history draws the same batch.
      const asked = performance.now();
      const { assignments: batch, waiting, labels } = suggest(record, trials, rank + 1, free.slice(0, rank + 1));
      deps.telemetry?.suggestion(record.experiment.spec.algorithm.algorithmName, (performance.now() - asked) / 1000);
      const assignment = batch[rank];
      if (!assignment) {
        // The space has fewer points left than lanes asking (let the others take theirs, then look
        // again), or the algorithm waits for running trials (a Hyperband rung): look again later.
        if (waiting) return { action: 'wait', seconds: WAIT_FOR_TRIALS_SECONDS, iteration };
        return batch.length > 0 ? { action: 'wait', seconds: 1, iteration } : { action: 'stop', iteration };
      }
      const trial = newTrial(record, input, index, assignment, deps.clock.now(), labels?.[rank]);
      try {
        await deps.store.createTrial(trial);
        return {
          action: 'run',
          trialName: trial.name,
          iteration,
          trial,
          launch: launchSpecFor(record, trial, trials),
          rules: rulesOf(record),
        };
      } catch (e) {
        if (!(e instanceof AlreadyExistsError)) throw e;
        const winner = await deps.store.getTrial(input.namespace, input.name, index);
        if (!winner) throw new ConflictError(`slot ${index} of ${record.name} was taken and then vanished`, { cause: e });
        trials.push(winner);
        taken.add(index);
      }
    }
  });
  return plan.action === 'run' && deps.batch ? onBatch(deps, deps.batch, input, plan) : plan;
}

/**
 * AWS Batch: the trial becomes SubmitJob parameters for the state machine's `batch:submitJob.sync`
 * task, and is marked Running now, with its Batch job name as runtime handle (no Lambda is there when
 * the job starts; the job's own start is in Batch's records).
 */
async function onBatch(
  deps: Pick<UseCaseDeps, 'store' | 'clock' | 'trialEnv' | 'telemetry'>,
  config: BatchLauncherConfig,
  input: { namespace: string; name: string },
  plan: Extract<PlanOutput, { action: 'run' }>,
): Promise<PlanOutput> {
  const request = submitJobRequest(
    {
      namespace: input.namespace,
      experiment: input.name,
      trialName: plan.trialName,
      job: plan.launch.job as KubeObject,
      primaryContainerName: plan.launch.primaryContainerName,
      env: trialEnvironment(deps, input.namespace, input.name, plan.trialName),
    },
    config,
  );
  const running = await deps.store.updateTrial({
    ...transitionTrial(plan.trial, 'Running', 'TrialRunning', 'Trial is running on AWS Batch', deps.clock.now()),
    runtime: { kind: 'batch', id: request.jobName },
  });
  deps.telemetry?.trialStarted(input.namespace, String(plan.launch.job.kind ?? 'Job'));
  const submitJob = statesParameters({ ...request, timeout: request.timeout ?? { attemptDurationSeconds: MAX_ATTEMPT_SECONDS } }) as Record<
    string,
    unknown
  >;
  return { ...plan, trial: running, submitJob };
}

/** The lowest `count` slot indexes below `max` that no trial has taken. */
function freeSlots(taken: ReadonlySet<number>, max: number, count: number): number[] {
  const free: number[] = [];
  for (let i = 0; free.length < count && i < max; i++) if (!taken.has(i)) free.push(i);
  return free;
}

/** What CompleteTrial needs of the experiment (the objective, the failure budget). */
export function rulesOf(record: ExperimentRecord): CompletionRules {
  const { objective, maxFailedTrialCount, earlyStopping, trialTemplate } = record.experiment.spec;
  const kind = String(trialTemplate.trialSpec?.kind ?? 'Job');
  return { objective, maxFailedTrialCount, keepCurve: earlyStopping !== undefined, kind };
}

/** What RunTrial needs to start a trial: its job rendered from the template, and how to collect metrics. */
export function launchSpecFor(record: ExperimentRecord, trial: TrialRecord, history: TrialSummary[] = []): LaunchSpec {
  const { spec } = record.experiment;
  const template = spec.trialTemplate;
  const job = renderTrialSpec(template.trialSpec ?? {}, template.trialParameters ?? [], trial.parameterAssignments, {
    name: trial.name,
    namespace: trial.namespace,
  });
  job.metadata = { ...((job.metadata as object) ?? {}), name: trial.name, namespace: trial.namespace };
  return {
    job,
    primaryContainerName: template.primaryContainerName ?? '',
    workdir: record.workdir,
    objective: spec.objective,
    metricsCollectorSpec: spec.metricsCollectorSpec,
    checkpoint: checkpointOf(record, trial),
    earlyStopping: spec.earlyStopping
      ? medianStopRule(
          spec.earlyStopping.algorithmSettings,
          spec.objective,
          history.filter((t) => t.state === 'Succeeded').map((t) => t.objectiveCurve ?? []),
        )
      : undefined,
  };
}

/** PBT's checkpoint folder and the parent it starts from (the algorithm's label). */
function checkpointOf(record: ExperimentRecord, trial: TrialRecord): LaunchSpec['checkpoint'] {
  const { algorithm } = record.experiment.spec;
  if (algorithm.algorithmName !== 'pbt') return undefined;
  const mountPath = algorithm.algorithmSettings?.find((s) => s.name === 'suggestion_trial_dir')?.value;
  if (mountPath === undefined) return undefined;
  const parentTrial = trial.labels?.[PBT_PARENT_LABEL];
  return { mountPath: String(mountPath), ...(parentTrial ? { parentTrial } : {}) };
}

function newTrial(
  record: ExperimentRecord,
  input: { namespace: string; name: string; executionId: string },
  index: number,
  assignment: ParameterAssignment[],
  now: string,
  labels: Record<string, string> | undefined,
): TrialRecord {
  return {
    ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
    namespace: input.namespace,
    experiment: input.name,
    name: trialName(record, index),
    index,
    parameterAssignments: assignment,
    state: 'Created',
    reason: 'TrialCreated',
    message: 'Trial is created',
    conditions: [
      {
        type: 'Created',
        status: 'True',
        reason: 'TrialCreated',
        message: 'Trial is created',
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
    ],
    createdAt: now,
    claimedBy: input.executionId,
    version: 0,
  };
}
