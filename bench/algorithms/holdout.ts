/**
 * `tpe` on functions its tuning was not judged on (HOLDOUT), and on Hartmann-6 over more seeds than
 * run.ts uses: log10 simple regret at 100 trials, median [q25, q75] and mean over the seeds. A change
 * to TPE is worth keeping when these move with run.ts's figures, not just run.ts's 20 seeds.
 *
 * Usage: npm run bench:tpe-holdout [-- --seeds 40 --first-seed 0 --hartmann6-seeds 80]
 */
import { parseArgs } from 'node:util';
import type { ParameterSpec } from '../../shared/spec/types.js';
import { createStudy } from '../../shared/study/create-study.js';
import { asRecord, FUNCTIONS, HOLDOUT } from './functions.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '40' },
    'first-seed': { type: 'string', default: '0' },
    'hartmann6-seeds': { type: 'string', default: '80' },
  },
});
const TRIALS = 100;

async function finalRegret(
  fn: { parameters: ParameterSpec[]; optimum: number; evaluate(x: Record<string, string>): number; shift?: (seed: number) => number[] },
  seed: number,
): Promise<number> {
  const study = createStudy({
    parameters: fn.parameters,
    objective: { type: 'minimize', objectiveMetricName: 'y' },
    algorithm: { algorithmName: 'tpe', algorithmSettings: [{ name: 'random_state', value: String(seed) }] },
  });
  const shift = fn.shift?.(seed);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < TRIALS; i++) {
    const t = await study.ask();
    const x = asRecord(t.parameterAssignments);
    for (const [d, s] of (shift ?? []).entries()) x[`x${d}`] = String(Number(x[`x${d}`]) - s);
    const y = fn.evaluate(x);
    await study.tell(t.name, { y });
    best = Math.min(best, y);
  }
  return Math.log10(Math.max(best - fn.optimum, 1e-12));
}

function describe(regrets: number[]): string {
  const r = [...regrets].sort((a, b) => a - b);
  const q = (p: number) => {
    const i = (r.length - 1) * p;
    const lo = Math.floor(i);
    return r[lo]! + (r[Math.ceil(i)]! - r[lo]!) * (i - lo);
  };
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  return `median ${q(0.5).toFixed(2)} [${q(0.25).toFixed(2)}, ${q(0.75).toFixed(2)}], mean ${mean.toFixed(3)}`;
}

const first = Number(values['first-seed']);
const seeds = (n: number) => Array.from({ length: n }, (_, i) => first + i);
console.log(`tpe, ${TRIALS} trials, log10 simple regret at the end, seeds from ${first}`);
const hartmann6 = FUNCTIONS.find((f) => f.name === 'hartmann6')!;
const runs: [typeof hartmann6, number[]][] = [
  [hartmann6, seeds(Number(values['hartmann6-seeds']))],
  ...HOLDOUT.map((f): [typeof hartmann6, number[]] => [f, seeds(Number(values.seeds))]),
];
for (const [fn, list] of runs) {
  const regrets: number[] = [];
  for (const seed of list) regrets.push(await finalRegret(fn, seed));
  console.log(`  ${fn.name.padEnd(18)} ${String(list.length).padStart(3)} seeds  ${describe(regrets)}`);
}
