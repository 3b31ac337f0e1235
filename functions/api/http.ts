import type { FieldIssue } from '#shared/errors.js';

/** An answer the API gives on purpose: status, Kubernetes-style reason, message, field causes. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly causes: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/**
 * The body of every error: a Kubernetes `Status` object, as kubectl and Katib's clients expect, with
 * each invalid field in `details.causes[]`.
 */
export function statusBody(status: number, reason: string, message: string, causes: FieldIssue[] = []) {
  return {
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    code: status,
    reason,
    message,
    ...(causes.length > 0 ? { details: { causes: causes.map((c) => ({ field: c.path, message: c.message })) } } : {}),
  };
}

/** A response before it is serialized. */
export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown, status = 200): ApiResult => ({ status, body });
