import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { resolveHome } from '#local/home.js';
import { localRunIssues } from '#local/run-issues.js';
import { claimRunner, otherRunner } from '#local/runner-claim.js';
import { type LocalRuntime, openLocalRuntime } from '#local/runtime.js';
import { BusyError, NotFoundError, TunestepError, ValidationError } from '#shared/errors.js';
import { experimentObject } from '#shared/experiment/katib-objects.js';
import { isExperimentFinished } from '#shared/experiment/states.js';
import { loadExperiment } from '#shared/spec/load.js';
import type { Experiment } from '#shared/spec/types.js';
import { createExperiment } from '#shared/use-cases/create-experiment.js';
import { recoverExperiment } from '#shared/use-cases/recover-experiment.js';
import { drive } from './drive.js';
import { registerInspectCommands } from './inspect.js';
import { findExperiment } from './lookup.js';
import { printIssues, printObject, UsageError } from './output.js';
import { registerServerCommand } from './server.js';
import { registerTokenCommand } from './token.js';
import { registerTrainCommand } from './train.js';

/** Exit codes, as documented in the README. */
export const EXIT = { succeeded: 0, failed: 1, usage: 2, internal: 3, interrupted: 130 } as const;

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']);

/** Reads and validates an Experiment file; bad input exits 2 with every issue and writes nothing. */
function readExperiment(file: string): Experiment {
  if (!existsSync(file)) throw new UsageError(`cannot read ${file}: no such file`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return loadExperiment(text, file);
  } catch (e) {
    if (e instanceof ValidationError) {
      printIssues(e, file);
      throw new Exit(EXIT.usage);
    }
    throw e;
  }
}

async function withRuntime<T>(home: string, work: (runtime: LocalRuntime) => Promise<T>): Promise<T> {
  const runtime = await openLocalRuntime(home, process.env);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/** Drives the loop, prints the outcome, and returns the exit code. */
async function driveAndReport(runtime: LocalRuntime, namespace: string, name: string, output?: 'json' | 'yaml'): Promise<number> {
  await claimRunner(runtime.deps.store, namespace, name);
  const result = await drive(runtime, namespace, name);
  const record = await runtime.deps.store.getExperiment(namespace, name);
  if (result.interrupted || !record) {
    process.stderr.write(`interrupted: trials stopped; continue with: tunestep resume experiment ${name} -n ${namespace}\n`);
    return EXIT.interrupted;
  }
  const trials = await runtime.deps.store.listTrials(namespace, name);
  if (output) printObject(experimentObject(record, trials), output);
  else printSummary(record.experiment.spec.objective.objectiveMetricName, experimentObject(record, trials));
  return record.state === 'Succeeded' ? EXIT.succeeded : EXIT.failed;
}

function printSummary(metric: string, exp: Experiment): void {
  const status = exp.status!;
  const last = status.conditions[status.conditions.length - 1];
  const lines = [
    `experiment ${exp.metadata.namespace}/${exp.metadata.name}: ${last?.type} (${last?.reason}) ${last?.message ?? ''}`,
    `trials: ${status.trials} (succeeded ${status.trialsSucceeded}, failed ${status.trialsFailed}, metrics unavailable ${status.trialMetricsUnavailable}, killed ${status.trialsKilled})`,
  ];
  const best = status.currentOptimalTrial;
  if (best.bestTrialName) {
    lines.push(`best trial: ${best.bestTrialName}`);
    for (const m of best.observation.metrics)
      lines.push(`  ${m.name}: min=${m.min} max=${m.max} latest=${m.latest}${m.name === metric ? ' (objective)' : ''}`);
    lines.push('best hyperparameters:');
    for (const p of best.parameterAssignments) lines.push(`  ${p.name}=${p.value}`);
  } else lines.push('no trial produced the objective metric');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Builds the `tunestep` program. */
export function buildProgram(): Command {
  const program = new Command('tunestep')
    .description('Katib Experiments and Kubeflow training jobs, run locally or on AWS')
    .option('--home <dir>', 'state folder (default: $TUNESTEP_HOME or ~/.tunestep)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const home = () => resolveHome(program.opts<{ home?: string }>().home, process.env);

  program
    .command('validate')
    .description("apply Katib's defaults and validation to an Experiment file; exit 0 when valid, 2 when not")
    .argument('<file>')
    .addOption(outputOption())
    .action((file: string, opts: { output?: 'json' | 'yaml' }) => {
      const exp = readExperiment(file);
      if (opts.output) printObject(exp, opts.output);
      else process.stdout.write(`${file}: experiment ${exp.metadata.namespace}/${exp.metadata.name} is valid\n`);
    });

  program
    .command('run')
    .description('create an Experiment and run it to its end (exit 0 Succeeded, 1 Failed, 2 bad input)')
    .argument('<file>')
    .addOption(outputOption())
    .option('--replace', 'delete a finished experiment of the same name first')
    .action(async (file: string, opts: { output?: 'json' | 'yaml'; replace?: boolean }) => {
      const exp = readExperiment(file);
      const issues = localRunIssues(exp, { push: false });
      if (issues.length > 0) throw new UsageError(`${file} cannot run in local mode:\n  ${issues.join('\n  ')}`);
      const namespace = exp.metadata.namespace ?? 'default';
      const name = exp.metadata.name;
      const code = await withRuntime(home(), async (runtime) => {
        const existing = await runtime.deps.store.getExperiment(namespace, name);
        if (existing) {
          if (!opts.replace || !isExperimentFinished(existing.state)) {
            throw new UsageError(
              `experiment ${namespace}/${name} already exists (${existing.state}); ` +
                (isExperimentFinished(existing.state)
                  ? `delete it (tunestep delete experiment ${name} -n ${namespace}) or pass --replace`
                  : `continue it with tunestep resume experiment ${name} -n ${namespace}`),
            );
          }
          await runtime.deps.store.deleteExperiment(namespace, name);
        }
        await createExperiment(runtime.deps, {
          experiment: exp,
          uid: randomUUID(),
          seed: randomInt(2 ** 31),
          workdir: resolve(dirname(file)),
        });
        return driveAndReport(runtime, namespace, name, opts.output);
      });
      throw new Exit(code);
    });

  program
    .command('resume')
    .description('continue an experiment whose runner stopped (crash, Ctrl-C): re-runs its interrupted trials')
    .argument('<kind>', 'experiment')
    .argument('<name>')
    .option('-n, --namespace <ns>')
    .addOption(outputOption())
    .action(async (kind: string, name: string, opts: { namespace?: string; output?: 'json' | 'yaml' }) => {
      if (kind !== 'experiment') throw new UsageError(`resume takes "experiment NAME" (got ${JSON.stringify(kind)})`);
      const code = await withRuntime(home(), async (runtime) => {
        const record = await findExperiment(runtime.deps.store, name, opts.namespace);
        if (isExperimentFinished(record.state)) {
          process.stderr.write(`experiment ${record.namespace}/${name} has already finished: ${record.state} (${record.reason})\n`);
          return record.state === 'Succeeded' ? EXIT.succeeded : EXIT.failed;
        }
        await claimRunner(runtime.deps.store, record.namespace, name);
        const rerun = await recoverExperiment(runtime.deps, { namespace: record.namespace, name });
        if (rerun.length > 0)
          process.stderr.write(`re-running ${rerun.length} interrupted trial(s): ${rerun.map((t) => t.name).join(', ')}\n`);
        return driveAndReport(runtime, record.namespace, name, opts.output);
      });
      throw new Exit(code);
    });

  program
    .command('delete')
    .description('delete an experiment with its trials and observation logs')
    .argument('<kind>', 'experiment')
    .argument('<name>')
    .option('-n, --namespace <ns>')
    .action(async (kind: string, name: string, opts: { namespace?: string }) => {
      if (kind !== 'experiment') throw new UsageError(`delete takes "experiment NAME" (got ${JSON.stringify(kind)})`);
      await withRuntime(home(), async (runtime) => {
        const record = await findExperiment(runtime.deps.store, name, opts.namespace);
        const runner = isExperimentFinished(record.state) ? undefined : otherRunner(record);
        if (runner !== undefined)
          throw new UsageError(`experiment ${record.namespace}/${name} is being run by process ${runner}; stop it first`);
        for (const t of await runtime.deps.store.listTrials(record.namespace, name)) {
          if (t.runtime) await runtime.deps.launcher.reap(t.runtime);
        }
        await runtime.deps.store.deleteExperiment(record.namespace, name);
        process.stdout.write(`experiment.kubeflow.org "${name}" deleted\n`);
      });
    });

  registerInspectCommands(program, home, withRuntime);
  registerServerCommand(program, home);
  registerTokenCommand(program, home);
  registerTrainCommand(program, home, (code) => {
    throw new Exit(code);
  });
  return program;
}

/** Runs the CLI and returns its exit code; user mistakes print one clear message, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  // Local mode talks to dynalite through the AWS SDK; the SDK's notice about its future Node.js
  // requirement (printed on every run under Node 20) says nothing about the user's experiment.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.succeeded;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.usage;
    if (e instanceof UsageError || e instanceof ValidationError || e instanceof NotFoundError || e instanceof BusyError) {
      process.stderr.write(`error: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof TunestepError) {
      process.stderr.write(`error: ${e.name}: ${e.message}\n`);
      return EXIT.internal;
    }
    process.stderr.write(
      `internal error: ${(e as Error).message}\n${process.env.TUNESTEP_DEBUG ? `${(e as Error).stack}\n` : '(set TUNESTEP_DEBUG=1 for details)\n'}`,
    );
    return EXIT.internal;
  }
}
