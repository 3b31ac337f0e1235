import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { createCompleteTrialHandler } from '#functions/complete-trial/handler.js';
import { createFinalizeExperimentHandler } from '#functions/finalize-experiment/handler.js';
import { createInitializeExperimentHandler } from '#functions/initialize-experiment/handler.js';
import { createPlanTrialHandler } from '#functions/plan-trial/handler.js';
import { createRunTrialHandler } from '#functions/run-trial/handler.js';
import { localContext } from '#functions/task-handler.js';
import type { FinalizeOutput } from '#shared/contracts/tasks.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { emulateBatchJob } from './batch-emulator.js';

// aws-local-stepfunctions uses Promise.withResolvers, which Node 20 lacks.
if (!('withResolvers' in Promise)) {
  Object.assign(Promise, {
    withResolvers<T>() {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/** The definition file, the same one the CDK stack deploys. */
export const DEFINITION_PATH = new URL('../statemachines/experiment.asl.json', import.meta.url);
const LOCAL_ACCOUNT = 'arn:aws:lambda:us-east-1:000000000000:function';
export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:tunestep-experiment';

/** The `${...}` substitutions local mode makes (the CDK stack makes its own with real ARNs). */
export const LOCAL_SUBSTITUTIONS: Record<string, string> = {
  InitializeExperimentFunctionArn: `${LOCAL_ACCOUNT}:tunestep-initialize-experiment`,
  PlanTrialFunctionArn: `${LOCAL_ACCOUNT}:tunestep-plan-trial`,
  RunTrialResource: `${LOCAL_ACCOUNT}:tunestep-run-trial`,
  RunTrialOnBatchResource: `${LOCAL_ACCOUNT}:tunestep-batch-emulator`,
  CompleteTrialFunctionArn: `${LOCAL_ACCOUNT}:tunestep-complete-trial`,
  FinalizeExperimentFunctionArn: `${LOCAL_ACCOUNT}:tunestep-finalize-experiment`,
};

/** Reads the ASL and substitutes `${Name}` placeholders; an unknown placeholder is an error. */
export function loadDefinition(substitutions: Record<string, string>): StateMachineDefinition {
  const text = readFileSync(DEFINITION_PATH, 'utf8').replace(/\$\{(\w+)\}/g, (_, key: string) => {
    const value = substitutions[key];
    if (value === undefined) throw new Error(`statemachines/experiment.asl.json: no substitution for \${${key}}`);
    return value;
  });
  return JSON.parse(text) as StateMachineDefinition;
}

/** A running local execution of the experiment loop. */
export interface LocalExecution {
  /** Resolves with Finalize's verdict once the experiment has ended. */
  result: Promise<FinalizeOutput>;
  /** Stops the loop (the experiment stays Running in the store; `resume` continues it). */
  abort(): void;
}

/**
 * Runs the experiment's state machine in-process with aws-local-stepfunctions, each Task overridden to
 * call its handler from `functions/`. When Finalize asks to continue as a new execution (the history
 * budget), a new execution starts, as `ContinueAsNew` does on AWS.
 */
export function runExperimentLoop(
  deps: UseCaseDeps,
  ref: { namespace: string; name: string },
  options: { env?: Record<string, string | undefined> } = {},
): LocalExecution {
  const definition = loadDefinition(LOCAL_SUBSTITUTIONS);
  const call = (handler: (event: unknown, context: never) => Promise<unknown>) => async (input: unknown) =>
    (await handler(input, localContext)) as never;
  const handlers = {
    Initialize: call(createInitializeExperimentHandler(deps)),
    PlanTrial: call(createPlanTrialHandler(deps)),
    RunTrial: call(createRunTrialHandler(deps)),
    CompleteTrial: call(createCompleteTrialHandler(deps)),
    Finalize: call(createFinalizeExperimentHandler(deps)),
    // `batch:submitJob.sync` on AWS; here Batch's node lifecycle emulated (only reached when deps.batch is set).
    RunTrialOnBatch: async (input: unknown) => (await emulateBatchJob(deps, input as never, options.env ?? process.env)) as never,
    // Local mode loops here instead of starting a new execution through the Step Functions API.
    ContinueAsNew: async () => ({}),
  };
  let aborted = false;
  let abortCurrent: (() => void) | undefined;
  const result = (async () => {
    for (;;) {
      // The definition is validated by the test suite (asl-validator); validating it again at every
      // start costs a third of a second of schema compilation.
      const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
      const execution = machine.run(ref, {
        overrides: {
          taskResourceLocalHandlers: handlers,
          retryIntervalOverrides: { Initialize: 10, PlanTrial: 10, CompleteTrial: 10, Finalize: 10 },
        },
        context: {
          Execution: {
            Id: `arn:aws:states:us-east-1:000000000000:execution:tunestep-experiment:${ref.name}-${randomUUID()}`,
          },
          StateMachine: { Id: LOCAL_STATE_MACHINE_ARN },
        } as never,
      });
      abortCurrent = execution.abort;
      if (aborted) execution.abort();
      const output = (await execution.result) as { final: FinalizeOutput };
      if (!output.final.continue) return output.final;
    }
  })();
  return {
    result,
    abort: () => {
      aborted = true;
      abortCurrent?.();
    },
  };
}
