import { describe, expect, test } from '@jest/globals';
import { jsonCollector, textCollector } from '../../shared/metrics/collector.js';

const objective = {
  type: 'minimize' as const,
  objectiveMetricName: 'loss',
  additionalMetricNames: ['accuracy'],
};
const at = '2026-01-01T00:00:00Z';

describe("StdOut/TEXT with Katib's default regex", () => {
  const c = textCollector(objective, undefined);
  test.each([
    ['loss=0.3', '0.3'],
    ['loss = .98', '.98'],
    ['epoch 3: loss=-7.53e-05', '-7.53e-05'],
    ['loss=1E0', '1E0'],
  ])('%s', (line, value) => {
    expect(c.collect(line, at)).toEqual([{ metricName: 'loss', value, timestamp: at }]);
  });

  test('keeps only requested metrics, every match on a line', () => {
    expect(c.collect('epoch=2 loss=0.5 accuracy=0.9 lr=0.1', at).map((o) => `${o.metricName}=${o.value}`)).toEqual([
      'loss=0.5',
      'accuracy=0.9',
    ]);
  });

  test('a leading RFC 3339 timestamp is the observation time', () => {
    expect(c.collect('2024-05-01T10:00:00.5Z loss=0.1', at)[0]!.timestamp).toBe('2024-05-01T10:00:00.5Z');
  });

  test('lines without a metric name are ignored', () => {
    expect(c.collect('val_loss: 0.89', at)).toEqual([]);
    expect(c.collect('starting training', at)).toEqual([]);
  });
});

test('custom filters (Katib file-metrics-collector example)', () => {
  const c = textCollector({ type: 'maximize', objectiveMetricName: 'accuracy', additionalMetricNames: ['loss'] }, [
    '{metricName: ([\\w|-]+), metricValue: ((-?\\d+)(\\.\\d+)?)}',
  ]);
  expect(c.collect('{metricName: accuracy, metricValue: 0.9120}', at)).toEqual([
    { metricName: 'accuracy', value: '0.9120', timestamp: at },
  ]);
  expect(c.collect('accuracy=0.5', at)).toEqual([]);
});

describe('File/JSON', () => {
  const c = jsonCollector(objective);
  test('string values and epoch-seconds timestamps', () => {
    expect(c.collect('{"loss": "0.25", "timestamp": 1700000000}', at)).toEqual([
      { metricName: 'loss', value: '0.25', timestamp: '2023-11-14T22:13:20.000Z' },
    ]);
  });
  test('numeric values are taken too (Katib ignores them)', () => {
    expect(c.collect('{"accuracy": 0.91}', at)).toEqual([{ metricName: 'accuracy', value: '0.91', timestamp: at }]);
  });
  test('non-JSON lines are ignored', () => {
    expect(c.collect('loss=0.1', at)).toEqual([]);
    expect(c.collect('{broken', at)).toEqual([]);
  });
});
