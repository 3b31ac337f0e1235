import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** A fixture Experiment as a plain object, to be changed per test. */
export function fixtureExperiment(name = 'valid.yaml'): Record<string, any> {
  return parse(readFileSync(join(FIXTURES, 'experiments', name), 'utf8'));
}

/** A fresh TUNESTEP_HOME for one test. */
export function tempHome(prefix = 'tunestep-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The conformance data (Katib examples and CRDs) beside the project, or under TUNESTEP_CONFORMANCE_DIR.
 * Undefined in a fresh clone that does not have it: those tests skip and say why.
 */
export function conformanceDir(): string | undefined {
  const dir = process.env.TUNESTEP_CONFORMANCE_DIR ?? resolve(ROOT, '..', 'shared', 'conformance');
  return existsSync(join(dir, 'katib')) ? dir : undefined;
}

/** Whether a process runs; a zombie (dead, waiting for its new parent to reap it) does not count. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Validators of the training operator's CRD schemas (kubeflow.org/v1) by kind, from the conformance
 * data: what an API server would check. Kubernetes' x-kubernetes-* keywords and int32/int64 formats
 * are not JSON Schema's, so ajv is told to pass over them. Each returns the problems, none when valid.
 */
export function crdValidators(conformance: string): Map<string, (object: unknown) => string[]> {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const dir = join(conformance, 'kubeflow-training', 'v1', 'crds');
  const validators = new Map<string, (object: unknown) => string[]>();
  for (const file of readdirSync(dir)) {
    const crd = parse(readFileSync(join(dir, file), 'utf8'));
    const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1');
    if (!version) continue;
    const validate = ajv.compile(version.schema.openAPIV3Schema);
    validators.set(crd.spec.names.kind, (object) =>
      validate(object) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`),
    );
  }
  return validators;
}
