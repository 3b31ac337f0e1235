import { z } from 'zod';

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

export const planOutput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('run'), trialName: name, iteration: z.number().int() }),
  z.object({ action: z.literal('wait'), seconds: z.number().int().positive(), iteration: z.number().int() }),
  z.object({ action: z.literal('stop'), iteration: z.number().int() }),
  z.object({ action: z.literal('yield'), iteration: z.number().int() }),
]);
export type PlanOutput = z.infer<typeof planOutput>;

export const runTrialInput = experimentRef.extend({ trialName: name, executionId: name });
export type RunTrialInput = z.infer<typeof runTrialInput>;

export const runResult = z.object({
  outcome: z.enum(['succeeded', 'failed', 'killed']),
  exitCode: z.number().int().optional(),
  reason: z.string(),
  message: z.string(),
});

/** RunTrial's result, or the `{Error, Cause}` a Catch puts in its place. */
export const completeTrialInput = experimentRef.extend({
  trialName: name,
  run: z.union([runResult, z.object({ Error: z.string(), Cause: z.string().optional() })]),
});
export type CompleteTrialInput = z.infer<typeof completeTrialInput>;

export const completeTrialOutput = z.object({ trialState: z.string(), experimentState: z.string() });
export const finalizeOutput = z.object({ state: z.string(), reason: z.string(), continue: z.boolean() });
export type FinalizeOutput = z.infer<typeof finalizeOutput>;
