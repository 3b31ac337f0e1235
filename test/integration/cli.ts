import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FIXTURES, fixtureExperiment, ROOT } from '../helpers.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/tunestep` as a user would, with its own home folder. */
export function tunestep(args: string[], home: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'tunestep'), ...args], {
      env: { ...process.env, TUNESTEP_HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Writes a variant of the objective fixture next to the fixture script (so its relative command
 * works) and returns its path.
 */
export function writeExperiment(dir: string, name: string, change: (d: Record<string, any>) => void): string {
  const doc = fixtureExperiment('objective.yaml');
  doc.metadata.name = name;
  const container = doc.spec.trialTemplate.trialSpec.spec.template.spec.containers[0];
  container.command[1] = join(FIXTURES, 'scripts', 'objective.py');
  change(doc);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

/** The trial container's command list of an experiment document, to append flags to. */
export const command = (d: Record<string, any>): string[] => d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command;
