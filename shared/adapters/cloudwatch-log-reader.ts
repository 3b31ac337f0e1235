import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { ExperimentStore } from '../ports/experiment-store.js';
import { type LogPage, type LogReader, pageOfLines } from '../ports/trial-logs.js';

/** GetLogEvents calls per page at most (10,000 events or 1 MB each): a page never reads a whole huge log. */
const MAX_CALLS = 20;

/**
 * A trial's output on AWS, read back from CloudWatch Logs: the primary node's stream (rank 0, learnt
 * by record-observations), its events as lines. Offsets are byte positions in that text, as locally;
 * a page is found by reading the stream from its start (CloudWatch has no byte offsets), which is
 * fine for the logs a trial writes and bounded per call.
 */
export class CloudWatchLogReader implements LogReader {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly store: ExperimentStore,
  ) {}

  async readTrial(namespace: string, trial: string, offset: number, limit: number): Promise<LogPage | undefined> {
    const [stream] = await this.store.listTrialStreams(namespace, trial);
    if (!stream) return undefined;
    let text = '';
    let token: string | undefined;
    let more = true;
    for (let call = 0; call < MAX_CALLS && Buffer.byteLength(text) < offset + limit; call++) {
      const out = await this.client.send(
        new GetLogEventsCommand({ logGroupName: stream.logGroup, logStreamName: stream.logStream, startFromHead: true, nextToken: token }),
      );
      for (const e of out.events ?? []) text += `${e.message ?? ''}\n`;
      // The same token back means the end of what is there now.
      if (!out.nextForwardToken || out.nextForwardToken === token || (out.events ?? []).length === 0) {
        more = false;
        break;
      }
      token = out.nextForwardToken;
    }
    const bytes = Buffer.from(text, 'utf8');
    const start = Math.min(offset, bytes.length);
    const page = pageOfLines(bytes.subarray(start, start + limit), start, bytes.length);
    // `size` past `nextOffset` tells the reader there is more to page through.
    return { ...page, size: more || page.nextOffset < bytes.length ? Math.max(bytes.length, page.nextOffset + 1) : bytes.length };
  }

  async readJob(): Promise<LogPage | undefined> {
    return undefined;
  }
}
