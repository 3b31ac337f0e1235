import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { applyJobDefaults, loadTrainingJob } from '../../shared/training/job-spec.js';
import { conformanceDir } from '../helpers.js';

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
  // Kubernetes' structural schemas: x-kubernetes-* keywords and int32/int64 formats are not JSON
  // Schema's, so ajv is told to pass over them.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const crdDir = join(dir, 'kubeflow-training', 'v1', 'crds');
  const schemas = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const file of readdirSync(crdDir)) {
    const crd = parse(readFileSync(join(crdDir, file), 'utf8'));
    const version = crd.spec.versions.find((v: any) => v.name === 'v1');
    if (version) schemas.set(crd.spec.names.kind, ajv.compile(version.schema.openAPIV3Schema));
  }
  const check = (job: Record<string, unknown>) => {
    const validate = schemas.get(String(job.kind))!;
    const ok = validate(job);
    return ok ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`);
  };

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
