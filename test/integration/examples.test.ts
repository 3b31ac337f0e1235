import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { ROOT, tempHome } from '../helpers.js';
import { tunestep } from './cli.js';

// Every experiment in examples/ runs as shipped (train.py on the shipped data), cut to a few trials so
// the suite stays quick. The Katib examples they stand for validate in katib-conformance.test.ts.
const EXAMPLES = join(ROOT, 'examples');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
const work = mkdtempSync(join(tmpdir(), 'tunestep-examples-'));
cpSync(EXAMPLES, work, { recursive: true });

describe('examples/', () => {
  test('has one experiment per algorithm Tunestep offers, and median stopping', () => {
    const algorithms = new Set(files.map((f) => parse(readFileSync(join(EXAMPLES, f), 'utf8')).spec.algorithm.algorithmName));
    for (const name of ['random', 'grid', 'tpe', 'multivariate-tpe', 'cmaes', 'sobol', 'bayesianoptimization', 'hyperband', 'asha']) {
      expect(algorithms).toContain(name);
    }
  });

  test.each(files)('%s runs end to end (cut to 6 trials)', async (file) => {
    const doc = parse(readFileSync(join(EXAMPLES, file), 'utf8'));
    doc.spec.maxTrialCount = Math.min(doc.spec.maxTrialCount ?? 6, 6);
    doc.spec.parallelTrialCount = Math.min(doc.spec.parallelTrialCount ?? 1, 3);
    delete doc.spec.objective.goal;
    const path = join(work, `short-${file}`);
    writeFileSync(path, stringify(doc));
    const r = await tunestep(['run', path, '-o', 'json'], tempHome());
    expect(r.stderr).not.toMatch(/Error|Warning|\n\s+at /);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout).status;
    expect(status.trialsSucceeded + (status.trialsEarlyStopped ?? 0)).toBe(6);
    expect(status.currentOptimalTrial.observation.metrics.length).toBeGreaterThan(0);
  });
});

describe('pbt end to end', () => {
  test('generations continue their parents’ checkpoints; trials carry Katib’s generation and parent labels', async () => {
    const doc = parse(readFileSync(join(EXAMPLES, 'pbt.yaml'), 'utf8'));
    doc.spec.maxTrialCount = 18;
    const path = join(work, 'pbt-three-generations.yaml');
    writeFileSync(path, stringify(doc));
    const home = tempHome();
    const r = await tunestep(['run', path, '-o', 'json'], home);
    expect(r.code).toBe(0);
    const trials = JSON.parse((await tunestep(['get', 'trials', '-e', 'pbt', '-o', 'json'], home)).stdout).items;
    expect(trials).toHaveLength(18);
    const generation = (t: any) => Number(t.metadata.labels['pbt.suggestion.katib.kubeflow.org/generation']);
    const byName = new Map(trials.map((t: any) => [t.metadata.name, t]));
    const metric = (t: any, name: string) => Number(t.status.observation.metrics.find((m: any) => m.name === name).latest);
    for (const t of trials) {
      const g = generation(t);
      // pbt_train.py counts steps in its checkpoint: 5 epochs per generation, continued from the parent.
      expect(metric(t, 'checkpoint-step')).toBe(5 * (g + 1));
      if (g === 0) continue;
      const parent = byName.get(t.metadata.labels['pbt.suggestion.katib.kubeflow.org/parent']) as any;
      expect(generation(parent)).toBe(g - 1);
    }
    expect(trials.map(generation).sort()).toEqual([...Array(6).fill(0), ...Array(6).fill(1), ...Array(6).fill(2)]);
    const best = (g: number) =>
      Math.max(...trials.filter((t: any) => generation(t) === g).map((t: any) => metric(t, 'Validation-accuracy')));
    expect(best(2)).toBeGreaterThan(best(0));
  });
});
