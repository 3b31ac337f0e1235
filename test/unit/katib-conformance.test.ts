import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { ValidationError } from '../../shared/errors.js';
import { loadExperiment } from '../../shared/spec/load.js';
import { conformanceDir } from '../helpers.js';

const dir = conformanceDir();
const examplesDir = dir && join(dir, 'katib', 'examples', 'v1beta1');

function yamlFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((f) => {
    const p = join(folder, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : p.endsWith('.yaml') ? [p] : [];
  });
}

/**
 * Examples Katib's own webhook rejects too (read from its validator): we keep the rule rather than
 * special-case the example. The path is what our error must name.
 */
const REJECTED_BY_KATIB_TOO: Record<string, string> = {
  // Declares trialParameter learningRate but uses $(trialParameters.lr), Tekton syntax, in the template.
  'tekton/pipeline-run.yaml': 'spec.trialTemplate.trialParameters',
  // maxFailedTrialCount 3 > maxTrialCount 2.
  'hp-tuning/simple-pbt.yaml': 'spec.maxFailedTrialCount',
};

describe("Katib's example Experiments", () => {
  if (!examplesDir) {
    test('are skipped: no conformance data at ../shared/conformance or $TUNESTEP_CONFORMANCE_DIR', () => {
      console.warn('SKIPPED: Katib conformance examples not found (set TUNESTEP_CONFORMANCE_DIR)');
    });
    return;
  }
  const files = yamlFiles(examplesDir);

  test('the corpus is there (33 examples)', () => {
    expect(files.length).toBe(33);
  });

  test.each(files.map((f) => ({ name: relative(examplesDir, f), file: f })))(
    '$name validates, or fails only for a documented reason',
    ({ name, file }) => {
      let issues: { path: string; message: string }[] = [];
      try {
        loadExperiment(readFileSync(file, 'utf8'), name);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        issues = e.issues;
      }
      const allowed = (i: { path: string; message: string }) =>
        /algorithm not available/.test(i.message) || i.path === REJECTED_BY_KATIB_TOO[name];
      expect(issues.filter((i) => !allowed(i))).toEqual([]);
      if (REJECTED_BY_KATIB_TOO[name]) expect(issues.some((i) => i.path === REJECTED_BY_KATIB_TOO[name])).toBe(true);
    },
  );
});

describe("the project's own examples", () => {
  const dir = join(import.meta.dirname, '..', '..', 'examples');
  test.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s validates', (file) => {
    expect(() => loadExperiment(readFileSync(join(dir, file), 'utf8'), file)).not.toThrow();
  });
});
