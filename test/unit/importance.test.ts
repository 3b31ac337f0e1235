import { describe, expect, it } from '@jest/globals';
import { createRng } from '#shared/algorithms/rng.js';
import { parameterImportance, ranks } from '#shared/experiment/importance.js';

describe('parameter importance', () => {
  it('ranks ties by their average', () => {
    expect(ranks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
  });

  it('gives the parameter the objective depends on nearly all the weight, numeric or categorical', () => {
    const r = createRng(7);
    const rng = () => r.next();
    const trials = Array.from({ length: 200 }, () => {
      const x = rng();
      const noise = rng();
      const color = ['red', 'green', 'blue'][Math.floor(rng() * 3)]!;
      const shape = ['a', 'b'][Math.floor(rng() * 2)]!;
      return {
        values: { x: String(x), noise: String(noise), color, shape },
        objective: Math.log(x + 0.01) + { red: 0, green: 1, blue: 2 }[color]!,
      };
    });
    const imp = parameterImportance({
      parameters: [
        { name: 'x', categorical: false },
        { name: 'noise', categorical: false },
        { name: 'color', categorical: true },
        { name: 'shape', categorical: true },
      ],
      trials,
    })!;
    expect(Object.values(imp).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10);
    expect(imp.color!).toBeGreaterThan(0.25);
    expect(imp.x!).toBeGreaterThan(0.25);
    expect(imp.x!).toBeGreaterThan(5 * imp.noise!);
    expect(imp.color!).toBeGreaterThan(5 * imp.shape!);
  });

  it('says nothing with fewer than three trials', () => {
    expect(parameterImportance({ parameters: [{ name: 'x', categorical: false }], trials: [] })).toBeUndefined();
  });
});
