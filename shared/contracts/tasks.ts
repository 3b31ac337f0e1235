import { z } from 'zod';
import type { MedianStopRule } from '../algorithms/median-stop.js';
import type { TrialRecord } from '../experiment/records.js';
import type { MetricsCollectorSpec, ObjectiveSpec } from '../spec/types.js';

/**
 * Inputs and outputs of the state machine's tasks (statemachines/experiment.asl.json), parsed at the
 * handler boundary. Types are inferred from the schemas.
 */
const name = z.string().min(1);

export const experimentRef = z.object({ namespace: name, name });
export type ExperimentRef = z.infer<typeof experimentRef>;

export const initializeInput = experimentRef.extend({ executionId: name });
export const initializeOutput = z.object({
  executionId: name,
  lanes: z.array(z.number().int()),
  parallel: z.number().int(),
});

export const laneInput = experimentRef.extend({
  executionId: name,
  lane: z.number().int(),
  iteration: z.number().int(),
});
export type LaneInput = z.infer<typeof laneInput>;

/**
 * Everything RunTrial needs to start a trial, computed by PlanTrial so that RunTrial reads nothing
 * (on AWS these become the Batch SubmitJob parameters).
 */
export const launchSpec = z.object({
  /** The trial's job, parameters substituted. */
  job: z.record(z.string(), z.unknown()),
  primaryContainerName: z.string(),
  workdir: z.string().optional(),
  objective: z.custom<ObjectiveSpec>((v) => typeof v === 'object' && v !== null),
  metricsCollectorSpec: z.custom<MetricsCollectorSpec>((v) => typeof v === 'object' && v !== null).optional(),
  /**
   * PBT: the trial's checkpoint folder as the container sees it (`suggestion_trial_dir`), and the
   * trial whose checkpoint it starts from.
   */
  checkpoint: z.object({ mountPath: z.string(), parentTrial: z.string().optional() }).optional(),
  /** Median stopping, when the experiment has it and enough trials completed to judge by. */
  earlyStopping: z.custom<MedianStopRule>((v) => typeof v === 'object' && v !== null).optional(),
});
export type LaunchSpec = z.infer<typeof launchSpec>;

/** The trial as stored, handed on so that its next write needs no read (its version guards it). */
const trialRecord = z.custom<TrialRecord>((v) => typeof v === 'object' && v !== null && typeof (v as TrialRecord).version === 'number');

/** What CompleteTrial needs of the experiment to judge a trial and decide whether it may end the experiment. */
export const completionRules = z.object({
  objective: z.custom<ObjectiveSpec>((v) => typeof v === 'object' && v !== null),
  maxFailedTrialCount: z.number().int().optional(),
  /** Keep the objective's curve on the trial (early stopping compares later trials with it). */
  keepCurve: z.boolean().optional(),
  /** The trials' job kind (Job, PyTorchJob, ...), for operational metrics. */
  kind: z.string().optional(),
});
export type CompletionRules = z.infer<typeof completionRules>;

export const planOutput = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('run'),
    trialName: name,
    iteration: z.number().int(),
    trial: trialRecord,
    launch: launchSpec,
    rules: completionRules,
    /**
     * AWS Batch: the SubmitJob parameters (PascalCase, as the state machine's `batch:submitJob.sync`
     * task takes them); the state machine runs the trial on Batch when this is there.
     */
    submitJob: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ action: z.literal('wait'), seconds: z.number().int().positive(), iteration: z.number().int() }),
  z.object({ action: z.literal('stop'), iteration: z.number().int() }),
  z.object({ action: z.literal('yield'), iteration: z.number().int() }),
]);
export type PlanOutput = z.infer<typeof planOutput>;

export const runTrialInput = experimentRef.extend({ trialName: name, executionId: name, trial: trialRecord, launch: launchSpec });
export type RunTrialInput = z.infer<typeof runTrialInput>;

export const runResult = z.object({
  outcome: z.enum(['succeeded', 'failed', 'killed', 'earlyStopped']),
  exitCode: z.number().int().optional(),
  reason: z.string(),
  message: z.string(),
  /** The trial as RunTrial last wrote it, so that CompleteTrial's write needs no read. */
  trial: trialRecord.optional(),
  /**
   * The summary of the observations RunTrial itself collected and stored, when it collected all of
   * them (StdOut, File), so that CompleteTrial need not read the log back.
   */
  metrics: z.array(z.object({ name: z.string(), min: z.string(), max: z.string(), latest: z.string() })).optional(),
  /** The objective's values in order, from the same observations. */
  objectiveCurve: z.array(z.number()).optional(),
});

/** RunTrial's result, or the `{Error, Cause}` a Catch puts in its place. */
export const completeTrialInput = experimentRef.extend({
  trialName: name,
  trialIndex: z.number().int().nonnegative(),
  rules: completionRules,
  run: z.union([runResult, z.object({ Error: z.string(), Cause: z.string().optional() })]),
});
export type CompleteTrialInput = z.infer<typeof completeTrialInput>;

/** `experimentEnded`: this trial's end ended the experiment (or found it ended). */
export const completeTrialOutput = z.object({ trialState: z.string(), experimentEnded: z.boolean() });
export const finalizeOutput = z.object({ state: z.string(), reason: z.string(), continue: z.boolean() });
export type FinalizeOutput = z.infer<typeof finalizeOutput>;
