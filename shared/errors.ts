/**
 * Typed errors. Names are a public contract: Step Functions `Retry`/`Catch` and the CLI's exit codes
 * match on them, so every subclass sets `name` explicitly.
 */

/** One problem in a user's input, located by its field path. */
export interface FieldIssue {
  /** Dotted path into the document, e.g. `spec.parameters[1].feasibleSpace.max`. */
  path: string;
  /** What is wrong, with the value received and what is allowed. */
  message: string;
}

/** Root of every error Tunestep raises on purpose. */
export class TunestepError extends Error {
  override name = 'TunestepError';
}

/** The user's input is invalid; carries every issue found, not just the first. */
export class ValidationError extends TunestepError {
  override name = 'ValidationError';
  constructor(
    readonly issues: FieldIssue[],
    options?: ErrorOptions,
  ) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), options);
  }
}

/** A named object does not exist. */
export class NotFoundError extends TunestepError {
  override name = 'NotFoundError';
}

/** An object of that name exists already. */
export class AlreadyExistsError extends TunestepError {
  override name = 'AlreadyExistsError';
}

/** Another process is driving the object (a second runner of one experiment). */
export class BusyError extends TunestepError {
  override name = 'BusyError';
}

/** An optimistic-lock or conditional write lost a race; the caller re-reads and retries. */
export class ConflictError extends TunestepError {
  override name = 'ConflictError';
}

/** A state transition that the state machine of trials or experiments does not allow. */
export class IllegalTransitionError extends TunestepError {
  override name = 'IllegalTransitionError';
}

/** A trial's workload could not be started (command not found, unsupported kind). */
export class LaunchError extends TunestepError {
  override name = 'LaunchError';
}

/** Formats a value for an error message: strings quoted, objects as JSON, cut to a readable length. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
