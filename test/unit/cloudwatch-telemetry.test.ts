import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { CloudWatchTelemetry, METRICS_NAMESPACE } from '#shared/adapters/cloudwatch-telemetry.js';

describe('CloudWatchTelemetry', () => {
  let lines: string[];
  let spy: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    lines = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as never);
  });
  afterEach(() => spy.mockRestore());

  it('writes one embedded-metric-format line per figure, with its dimensions', () => {
    const t = new CloudWatchTelemetry('tunestep-test');
    t.trialFinished('team-a', 'PyTorchJob', 'Succeeded', 12.5);
    t.suggestion('tpe', 0.004);
    const emf = lines.map((l) => JSON.parse(l));
    expect(emf).toHaveLength(3);
    const [count, duration, latency] = emf;
    for (const e of emf) expect(e._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS_NAMESPACE);
    expect(count).toMatchObject({
      TrialsFinished: 1,
      namespace: 'team-a',
      kind: 'PyTorchJob',
      status: 'Succeeded',
      service: 'tunestep-test',
    });
    expect(count._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['namespace', 'kind', 'status']));
    expect(duration).toMatchObject({ TrialDuration: 12.5 });
    expect(duration._aws.CloudWatchMetrics[0].Metrics[0]).toEqual({ Name: 'TrialDuration', Unit: 'Seconds' });
    expect(latency).toMatchObject({ SuggestionLatency: 4, algorithm: 'tpe' });
  });
});
