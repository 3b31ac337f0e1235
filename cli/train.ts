import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { homePaths } from '#local/home.js';
import { runJobLocally } from '#shared/adapters/local-job-runner.js';
import { ValidationError } from '#shared/errors.js';
import { loadTrainingJob, type TrainingJob } from '#shared/training/job-spec.js';
import { printIssues, printObject, UsageError } from './output.js';

/**
 * `tunestep train job.yaml`: runs a Kubeflow training job (or a batch Job) on this machine, every
 * replica a process with its operator's environment. Exit 0 Succeeded, 1 Failed, 2 bad input.
 */
export function registerTrainCommand(program: Command, home: () => string, exit: (code: number) => never): void {
  program
    .command('train')
    .description('run a PyTorchJob, TFJob, XGBoostJob, JAXJob, MPIJob or batch Job locally (exit 0 Succeeded, 1 Failed, 2 bad input)')
    .argument('<file>')
    .addOption(new Option('-o, --output <format>', 'print the finished job instead of its output').choices(['json', 'yaml']))
    .option('--silent-timeout <seconds>', 'fail the job when a replica prints nothing for this long (hung)')
    .action(async (file: string, opts: { output?: 'json' | 'yaml'; silentTimeout?: string }) => {
      const job = readJob(file, exit);
      const silent = opts.silentTimeout === undefined ? undefined : Number(opts.silentTimeout);
      if (silent !== undefined && !(silent > 0)) {
        throw new UsageError(`--silent-timeout: must be a number of seconds > 0 (got ${JSON.stringify(opts.silentTimeout)})`);
      }
      const jobDir = join(homePaths(home()).jobs, job.metadata.namespace, job.metadata.name);
      rmSync(jobDir, { recursive: true, force: true });
      const quiet = opts.output !== undefined;
      const status = await runJobLocally(job, {
        jobDir,
        workdir: resolve(dirname(file)),
        baseEnv: process.env,
        silentTimeoutSeconds: silent,
        onCondition: (c) => {
          if (!quiet) process.stderr.write(`${job.kind.toLowerCase()}/${job.metadata.name} ${c.type}: ${c.message}\n`);
        },
        onLine: (replica, line) => {
          if (!quiet) process.stdout.write(`[${replica}] ${line}\n`);
        },
      });
      if (opts.output) printObject({ ...job, status }, opts.output);
      else process.stderr.write(`logs: ${jobDir}\n`);
      const last = status.conditions.at(-1)?.type;
      exit(last === 'Failed' ? 1 : 0);
    });
}

function readJob(file: string, exit: (code: number) => never): TrainingJob {
  if (!existsSync(file)) throw new UsageError(`cannot read ${file}: no such file`);
  const text = readFileSync(file, 'utf8');
  try {
    return loadTrainingJob(text, file);
  } catch (e) {
    if (e instanceof ValidationError) {
      printIssues(e, file, 'training job');
      exit(2);
    }
    throw e;
  }
}
