import { gunzipSync } from 'node:zlib';
import middy from '@middy/core';
import { z } from 'zod';
import { ValidationError } from '#shared/errors.js';
import type { UseCaseDeps } from '#shared/use-cases/deps.js';
import { type RecordResult, recordObservations } from '#shared/use-cases/record-observations.js';

/** The decoded CloudWatch Logs subscription payload (gzip, base64, JSON). */
const payload = z.object({
  messageType: z.enum(['DATA_MESSAGE', 'CONTROL_MESSAGE']),
  logGroup: z.string(),
  logStream: z.string(),
  logEvents: z.array(z.object({ id: z.string().optional(), timestamp: z.number(), message: z.string() })),
});

const subscriptionEvent = z.object({ awslogs: z.object({ data: z.string().min(1) }) });

/**
 * Decodes a CloudWatch Logs subscription event.
 * @throws ValidationError naming the field that is wrong
 */
export function decodeSubscription(event: unknown): z.infer<typeof payload> {
  const outer = subscriptionEvent.safeParse(event);
  if (!outer.success)
    throw new ValidationError([
      { path: 'awslogs.data', message: 'must be the base64, gzip-compressed payload of a CloudWatch Logs subscription' },
    ]);
  let text: string;
  try {
    text = gunzipSync(Buffer.from(outer.data.awslogs.data, 'base64')).toString('utf8');
  } catch (e) {
    throw new ValidationError([{ path: 'awslogs.data', message: `is not gzip-compressed base64: ${(e as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError([{ path: 'awslogs.data', message: 'does not decode to JSON' }]);
  }
  const parsed = payload.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ path: `awslogs.data(decoded).${i.path.join('.')}`, message: i.message })));
  }
  return parsed.data;
}

/**
 * RecordObservations: the CloudWatch Logs subscription on the trials' log group calls this with each
 * batch of lines; they become the trial's observations (shared/use-cases/record-observations.ts).
 */
export const createRecordObservationsHandler = (deps: UseCaseDeps) =>
  middy(async (event: unknown): Promise<RecordResult | { control: true }> => {
    const data = decodeSubscription(event);
    // CloudWatch checks that the destination is reachable with a control message: nothing to record.
    if (data.messageType === 'CONTROL_MESSAGE') return { control: true };
    return recordObservations(deps, { logGroup: data.logGroup, logStream: data.logStream, events: data.logEvents });
  });
