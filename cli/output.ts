import { stringify } from 'yaml';
import type { ValidationError } from '#shared/errors.js';

/** Output formats of `-o`. */
export type OutputFormat = 'table' | 'json' | 'yaml';

/** Prints an object as JSON or YAML on stdout. */
export function printObject(value: unknown, format: 'json' | 'yaml'): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value));
}

/** Prints rows as kubectl does: upper-case headers, columns padded by three spaces. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/** kubectl's age: 45s, 12m, 3h, 2d. */
export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** A user mistake the CLI reports plainly (exit 2), never with a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints validation issues, one per line with its field path. */
export function printIssues(e: ValidationError, source: string, what = 'Experiment'): void {
  process.stderr.write(`error: ${source} is not a valid ${what} (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}):\n`);
  for (const issue of e.issues) process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
}
