import { ValidationError } from '../errors.js';
import { applyDefaults } from './defaults.js';
import { parseDocuments, pickDocument } from './parse.js';
import type { Experiment } from './types.js';
import { validateExperiment } from './validate.js';

/**
 * Parses, defaults and validates an Experiment from YAML or JSON text: the webhook pair of Katib as one call.
 * @throws ValidationError with every issue found
 */
export function loadExperiment(text: string, source?: string): Experiment {
  const doc = pickDocument(parseDocuments(text, source), ['Experiment'], source);
  return checkExperiment(doc);
}

/** Defaults and validates an already parsed Experiment object. */
export function checkExperiment(doc: Record<string, unknown>): Experiment {
  const exp = applyDefaults(doc);
  const issues = validateExperiment(exp);
  if (issues.length > 0) throw new ValidationError(issues);
  return exp;
}
