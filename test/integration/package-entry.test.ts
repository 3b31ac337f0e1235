import { execFileSync } from 'node:child_process';
import { beforeAll, expect, test } from '@jest/globals';
import { ROOT } from '../helpers.js';

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
}, 120_000);

test("plain Node imports createStudy from 'tunestep' (package exports, after npm run build)", () => {
  const script = `
    import { createStudy, availableAlgorithms } from 'tunestep';
    const study = createStudy({
      parameters: [{ name: 'x', parameterType: 'int', feasibleSpace: { min: '0', max: '20' } }],
      objective: { type: 'maximize', objectiveMetricName: 'score' },
      algorithm: { algorithmName: 'multivariate-tpe' },
    });
    for (let i = 0; i < 25; i++) {
      const t = await study.ask();
      await study.tell(t.name, { score: -((Number(t.parameterAssignments[0].value) - 13) ** 2) });
    }
    console.log(JSON.stringify({ best: study.bestTrial.parameterAssignments[0].value, algorithms: availableAlgorithms() }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }));
  expect(out.best).toBe('13');
  expect(out.algorithms).toEqual(expect.arrayContaining(['random', 'grid', 'tpe', 'multivariate-tpe']));
});
