import middy from '@middy/core';
import type { z } from 'zod';

/**
 * A state-machine task handler: parse the task input with its schema, call one use case, return its
 * result. The same function runs in Lambda and, in local mode, in-process through the runner's override.
 */
export function taskHandler<S extends z.ZodType, R>(schema: S, work: (input: z.infer<S>) => Promise<R>) {
  return middy(async (event: unknown) => work(schema.parse(event)));
}

/** The Lambda context local mode hands to handlers it calls in-process. */
export const localContext = {
  functionName: 'tunestep-local',
  awsRequestId: 'local',
  getRemainingTimeInMillis: () => 900_000,
} as never;
