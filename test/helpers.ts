import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

/** Builds dist/ (the CLI bundle, the runtime bootstrap, the web UI) when a source is newer than it. */
export async function ensureBuilt(): Promise<void> {
  const { bundleIsFresh } = (await import(join(ROOT, 'scripts', 'sources.mjs'))) as { bundleIsFresh(root: string): boolean };
  if (bundleIsFresh(ROOT)) return;
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
