import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { applyJobDefaults, loadTrainingJob } from '../../shared/training/job-spec.js';
import { conformanceDir, crdValidators } from '../helpers.js';

// What Tunestep accepts and sends (the operators' examples after our defaults) must also be valid
// against the training operator's CRD schemas (kubeflow.org/v1), as the API server would check them.
// The CRDs are conformance data beside the project; without them these tests skip and say so.

describe('kubeflow.org/v1 training jobs against the CRD schemas', () => {
  const dir = conformanceDir();
  if (!dir) {
    test('are skipped: no conformance data at ../shared/conformance or $TUNESTEP_CONFORMANCE_DIR', () => {
      console.warn('SKIPPED: Kubeflow training CRDs not found (set TUNESTEP_CONFORMANCE_DIR)');
    });
    return;
  }
  const schemas = crdValidators(dir);
  const check = (job: Record<string, unknown>) => schemas.get(String(job.kind))!(job);

  test('the CRDs of every kind Tunestep runs are there', () => {
    for (const kind of ['PyTorchJob', 'TFJob', 'XGBoostJob', 'JAXJob', 'MPIJob']) expect(schemas.has(kind)).toBe(true);
  });

  const root = join(dir, 'kubeflow-training', 'v1', 'examples');
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.yaml') ? [join(d, f)] : []));
  const jobs = walk(root).filter((f) =>
    /apiVersion:\s*"?kubeflow.org\/v1"?\s*\nkind:\s*"?(PyTorchJob|TFJob|XGBoostJob|MPIJob)/.test(readFileSync(f, 'utf8')),
  );
  test.each(jobs.map((f) => ({ name: f.slice(root.length + 1), f })))('$name, defaulted by Tunestep, is valid against its CRD', ({ f }) => {
    const job = loadTrainingJob(readFileSync(f, 'utf8'), f) as unknown as Record<string, unknown>;
    expect(check(job)).toEqual([]);
  });

  test('a JAXJob defaulted by Tunestep is valid; a replica count of the wrong type is caught by the schema too', () => {
    const job = applyJobDefaults({
      apiVersion: 'kubeflow.org/v1',
      kind: 'JAXJob',
      metadata: { name: 'jax', namespace: 'default' },
      spec: {
        jaxReplicaSpecs: {
          Worker: { replicas: 2, template: { spec: { containers: [{ name: 'jax', image: 'x', command: ['python3'] }] } } },
        },
      },
    });
    expect(check(job)).toEqual([]);
    (job.spec as any).jaxReplicaSpecs.Worker.replicas = 'two';
    expect(check(job).join()).toContain('/spec/jaxReplicaSpecs/Worker/replicas');
  });
});
