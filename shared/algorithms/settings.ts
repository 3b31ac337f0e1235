import type { FieldIssue } from '../errors.js';
import { show } from '../errors.js';
import type { AlgorithmSetting } from '../spec/types.js';

/** How one algorithm setting is checked: its kind and bounds. */
export interface SettingRule {
  /** `path`: an absolute path inside the trial's container. */
  kind: 'int' | 'float' | 'enum' | 'path';
  /** Inclusive lower bound (exclusive when `minExclusive`). */
  min?: number;
  minExclusive?: boolean;
  max?: number;
  maxExclusive?: boolean;
  values?: readonly string[];
}

/** Turns Katib's `[{name, value}]` settings into a record. */
export function settingsRecord(settings: AlgorithmSetting[] | undefined): Record<string, string> {
  return Object.fromEntries((settings ?? []).map((s) => [s.name, String(s.value)]));
}

/**
 * Checks settings against rules, as each Katib suggestion service's `ValidateAlgorithmSettings` does,
 * but up front and with every problem at once.
 */
export function checkSettings(
  settings: AlgorithmSetting[] | undefined,
  rules: Record<string, SettingRule>,
  basePath = 'spec.algorithm.algorithmSettings',
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  (settings ?? []).forEach((s, i) => {
    const rule = rules[s.name];
    const path = `${basePath}[${i}]`;
    if (!rule) {
      const allowed = Object.keys(rules);
      issues.push({
        path: `${path}.name`,
        message: `unknown setting ${show(s.name)}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
      });
      return;
    }
    const problem = checkValue(String(s.value), rule);
    if (problem) issues.push({ path: `${path}.value`, message: `${s.name}: ${problem} (got ${show(s.value)})` });
  });
  return issues;
}

function checkValue(text: string, rule: SettingRule): string | undefined {
  if (rule.kind === 'path') return text.startsWith('/') ? undefined : 'must be an absolute path';
  if (rule.kind === 'enum') {
    return rule.values?.includes(text) ? undefined : `must be one of ${rule.values?.join(', ')}`;
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) return `must be ${rule.kind === 'int' ? 'an integer' : 'a number'}`;
  if (rule.kind === 'int' && !Number.isInteger(n)) return 'must be an integer';
  if (rule.min !== undefined && (rule.minExclusive ? n <= rule.min : n < rule.min)) {
    return `must be ${rule.minExclusive ? '>' : '>='} ${rule.min}`;
  }
  if (rule.max !== undefined && (rule.maxExclusive ? n >= rule.max : n > rule.max)) {
    return `must be ${rule.maxExclusive ? '<' : '<='} ${rule.max}`;
  }
  return undefined;
}
