import type { KubeObject, ParameterAssignment, TrialParameterSpec } from './types.js';

/** Katib's placeholder pattern (`\$\{trialParameters\..+?\}`). */
export const PLACEHOLDER = /\$\{trialParameters\.(.+?)\}/g;

const META_REFERENCE = /^\$\{trialSpec\.(Name|Namespace|Kind|APIVersion|Labels\[(.+)\]|Annotations\[(.+)\])\}$/;

/** Whether a trialParameter reference names trial metadata (`${trialSpec.Name}` ...) instead of a parameter. */
export function isMetaReference(reference: string): boolean {
  return META_REFERENCE.test(reference);
}

/** Every placeholder name used anywhere in a template's string values. */
export function placeholdersIn(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(PLACEHOLDER)) found.add(m[1]!);
  } else if (Array.isArray(value)) {
    for (const v of value) placeholdersIn(v, found);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      placeholdersIn(k, found);
      placeholdersIn(v, found);
    }
  }
  return found;
}

/** What a trial's metadata references resolve to. */
export interface TrialMeta {
  name: string;
  namespace: string;
}

/**
 * Renders a trial's job from the template: every `${trialParameters.x}` in a string value is replaced
 * by the assignment (or metadata) it references. Substitution is per string value, so a parameter value
 * stays inside the one argv element or env value it was placed in: nothing is re-parsed, nothing goes
 * through a shell.
 */
export function renderTrialSpec(
  template: KubeObject,
  trialParameters: TrialParameterSpec[],
  assignments: ParameterAssignment[],
  meta: TrialMeta,
): KubeObject {
  const values = new Map<string, string>();
  const byName = new Map(assignments.map((a) => [a.name, a.value]));
  const templateMeta = (template.metadata ?? {}) as {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  for (const tp of trialParameters) {
    const m = META_REFERENCE.exec(tp.reference);
    if (!m) {
      const v = byName.get(tp.reference);
      if (v !== undefined) values.set(tp.name, v);
      continue;
    }
    const field = m[1]!;
    if (field === 'Name') values.set(tp.name, meta.name);
    else if (field === 'Namespace') values.set(tp.name, meta.namespace);
    else if (field === 'Kind') values.set(tp.name, String(template.kind));
    else if (field === 'APIVersion') values.set(tp.name, String(template.apiVersion));
    else if (m[2] !== undefined) values.set(tp.name, templateMeta.labels?.[m[2]] ?? '');
    else if (m[3] !== undefined) values.set(tp.name, templateMeta.annotations?.[m[3]] ?? '');
  }
  const substitute = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole);
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [substitute(k) as string, substitute(v)]));
    }
    return value;
  };
  return substitute(template) as KubeObject;
}
