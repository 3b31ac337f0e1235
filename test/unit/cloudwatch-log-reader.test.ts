import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchLogReader } from '#shared/adapters/cloudwatch-log-reader.js';
import { InMemoryExperimentStore } from '#shared/adapters/in-memory-experiment-store.js';

describe('CloudWatchLogReader: a trial output paged from CloudWatch Logs', () => {
  const logs = mockClient(CloudWatchLogsClient);
  const lines = ['epoch=1 loss=0.5', 'epoch=2 loss=0.4', 'epoch=3 loss=0.3', 'epoch=4 loss=0.25', 'done'];
  const events = (xs: string[]) => xs.map((message, i) => ({ message, timestamp: 1767225600000 + i, ingestionTime: 1767225600000 + i }));

  async function reader() {
    logs.reset();
    logs.on(GetLogEventsCommand, { nextToken: undefined }).resolves({ events: events(lines.slice(0, 3)), nextForwardToken: 'f/1' });
    logs.on(GetLogEventsCommand, { nextToken: 'f/1' }).resolves({ events: events(lines.slice(3)), nextForwardToken: 'f/2' });
    logs.on(GetLogEventsCommand, { nextToken: 'f/2' }).resolves({ events: [], nextForwardToken: 'f/2' });
    const store = new InMemoryExperimentStore();
    // The worker's stream (rank 1) and the primary's (rank 0): the primary's is read.
    await store.putTrialStream({ namespace: 'ns', trial: 't', rank: 1, logGroup: '/tunestep/trials', logStream: 'trial/default/bbb' });
    await store.putTrialStream({ namespace: 'ns', trial: 't', rank: 0, logGroup: '/tunestep/trials', logStream: 'trial/default/aaa' });
    return new CloudWatchLogReader(new CloudWatchLogsClient({ region: 'eu-west-1' }), store);
  }

  it("reads the primary node's stream to its end", async () => {
    const page = (await (await reader()).readTrial('ns', 't', 0, 64 * 1024))!;
    expect(page.text).toBe(`${lines.join('\n')}\n`);
    expect(page.nextOffset).toBe(page.size);
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toMatchObject({
      logGroupName: '/tunestep/trials',
      logStreamName: 'trial/default/aaa',
      startFromHead: true,
    });
  });

  it('pages by byte offset, cut at line ends, saying when there is more', async () => {
    const r = await reader();
    const first = (await r.readTrial('ns', 't', 0, 40))!;
    expect(first.text).toBe('epoch=1 loss=0.5\nepoch=2 loss=0.4\n');
    expect(first.size).toBeGreaterThan(first.nextOffset);
    const rest = (await r.readTrial('ns', 't', first.nextOffset, 1000))!;
    expect(first.text + rest.text).toBe(`${lines.join('\n')}\n`);
    expect(rest.nextOffset).toBe(rest.size);
  });

  it('has nothing for a trial whose stream is not known yet', async () => {
    expect(await (await reader()).readTrial('ns', 'other', 0, 10)).toBeUndefined();
  });
});
