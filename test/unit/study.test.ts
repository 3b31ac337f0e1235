import { describe, expect, test } from '@jest/globals';
import { ValidationError } from '../../shared/errors.js';
import { createStudy } from '../../shared/study/create-study.js';

const parameters = [
  { name: 'x', parameterType: 'double' as const, feasibleSpace: { min: '-5', max: '5' } },
  { name: 'kind', parameterType: 'categorical' as const, feasibleSpace: { list: ['a', 'b'] } },
];
const objective = { type: 'minimize' as const, objectiveMetricName: 'loss', additionalMetricNames: ['acc'] };

describe('createStudy (ask/tell)', () => {
  test('asks Katib-shaped assignments, learns from tell, and reports a Katib-shaped best trial', async () => {
    const study = createStudy({
      parameters,
      objective,
      algorithm: { algorithmName: 'tpe', algorithmSettings: [{ name: 'random_state', value: '3' }] },
    });
    for (let i = 0; i < 40; i++) {
      const t = await study.ask();
      expect(t.parameterAssignments.map((a) => a.name)).toEqual(['x', 'kind']);
      const x = Number(t.parameterAssignments[0]!.value);
      await study.tell(t.name, { loss: (x - 2) ** 2 + (t.parameterAssignments[1]!.value === 'b' ? 0 : 1), acc: 0.5 });
    }
    const best = study.bestTrial;
    expect(best.parameterAssignments.find((a) => a.name === 'kind')?.value).toBe('b');
    expect(Math.abs(Number(best.parameterAssignments[0]!.value) - 2)).toBeLessThan(0.5);
    expect(best.observation.metrics.map((m) => m.name)).toEqual(['loss', 'acc']);
    expect(typeof best.observation.metrics[0]!.min).toBe('string');
  });

  test('the same seed gives the same suggestions', async () => {
    const run = async () => {
      const study = createStudy({ parameters, objective, algorithm: { algorithmName: 'random' }, seed: 9 });
      const names: string[] = [];
      for (let i = 0; i < 5; i++) names.push(JSON.stringify((await study.ask()).parameterAssignments));
      return names;
    };
    expect(await run()).toEqual(await run());
  });

  test('failed and metric-less trials never become best; a trial is told once; unknown names are refused', async () => {
    const study = createStudy({ parameters, objective, algorithm: { algorithmName: 'random' } });
    const a = await study.ask();
    const b = await study.ask();
    const c = await study.ask();
    await study.tell(a.name, 'failed');
    await study.tell(b.name, { acc: 0.9 });
    await study.tell(c.name, { loss: 3 });
    expect(study.trials.map((t) => t.state)).toEqual(['Failed', 'MetricsUnavailable', 'Succeeded']);
    expect(study.bestTrial.bestTrialName).toBe(c.name);
    await expect(study.tell(c.name, { loss: 1 })).rejects.toThrow(/already told/);
    await expect(study.tell('nope', { loss: 1 })).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  test('bad options fail with every problem, paths relative to the options', () => {
    try {
      createStudy({
        parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '3', max: '1' } }],
        objective: { type: 'up' as never, objectiveMetricName: 'loss' },
        algorithm: { algorithmName: 'nope' },
      });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path).sort()).toEqual([
        'algorithm.algorithmName',
        'objective.type',
        'parameters[0].feasibleSpace.max',
      ]);
    }
  });
});
