import middy from '@middy/core';
import type { z } from 'zod';
import { ValidationError } from '#shared/errors.js';

/**
 * A state-machine task handler: parse the task input with its schema, call one use case, return its
 * result. The same function runs in Lambda and, in local mode, in-process through the runner's override.
 */
export function taskHandler<S extends z.ZodType, R>(schema: S, work: (input: z.infer<S>) => Promise<R>) {
  return middy(async (event: unknown) => {
    const parsed = schema.safeParse(event);
    // A malformed task input is a bug in the definition or a hand-started execution: name the field.
    if (!parsed.success)
      throw new ValidationError(parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message })));
    return work(parsed.data);
  });
}

/** The Lambda context local mode hands to handlers it calls in-process. */
export const localContext = {
  functionName: 'tunestep-local',
  awsRequestId: 'local',
  getRemainingTimeInMillis: () => 900_000,
} as never;
