import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { homePaths } from '#local/home.js';
import type { LocalRuntime } from '#local/runtime.js';
import { experimentObject, listObject, trialObject } from '#shared/experiment/katib-objects.js';
import { objectiveValue } from '#shared/experiment/metrics.js';
import type { ExperimentRecord, TrialRecord } from '#shared/experiment/records.js';
import { isTrialFinished } from '#shared/experiment/states.js';
import { statusFromTrials } from '#shared/use-cases/experiment-status.js';
import { findExperiment, findTrial } from './lookup.js';
import { age, printObject, printTable, UsageError } from './output.js';

type WithRuntime = <T>(home: string, work: (runtime: LocalRuntime) => Promise<T>) => Promise<T>;
interface GetOptions {
  namespace?: string;
  output?: 'json' | 'yaml';
  experiment?: string;
}

const lastCondition = (conditions: { type: string; status: string }[]) => conditions[conditions.length - 1];

function bestText(exp: ExperimentRecord): string {
  const v = objectiveValue(exp.experiment.spec.objective, exp.status.currentOptimalTrial.observation.metrics);
  return v === undefined ? '<none>' : `${exp.experiment.spec.objective.objectiveMetricName}=${v}`;
}

function trialRows(exp: ExperimentRecord, trials: TrialRecord[]): { headers: string[]; rows: string[][] } {
  const params = (exp.experiment.spec.parameters ?? []).map((p) => p.name);
  const metric = exp.experiment.spec.objective.objectiveMetricName;
  return {
    headers: ['NAME', 'TYPE', 'STATUS', metric.toUpperCase(), ...params.map((p) => p.toUpperCase()), 'AGE'],
    rows: trials.map((t) => {
      const c = lastCondition(t.conditions);
      const v = objectiveValue(exp.experiment.spec.objective, t.metrics);
      return [
        t.name,
        c?.type ?? t.state,
        c?.status ?? '',
        v === undefined ? '' : String(v),
        ...params.map((p) => t.parameterAssignments.find((a) => a.name === p)?.value ?? ''),
        age(t.createdAt),
      ];
    }),
  };
}

/** `get`, `describe` and `logs`: read-only views of local state, Katib-shaped with `-o`. */
export function registerInspectCommands(program: Command, home: () => string, withRuntime: WithRuntime): void {
  program
    .command('get')
    .description('list or show experiments and trials: get experiments | experiment NAME | trials [-e NAME] | trial NAME')
    .argument('<kind>')
    .argument('[name]')
    .option('-n, --namespace <ns>', 'namespace (default: all namespaces)')
    .option('-e, --experiment <name>', 'with "trials": only the trials of this experiment')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']))
    .action(async (kind: string, name: string | undefined, opts: GetOptions) => {
      await withRuntime(home(), async ({ deps: { store } }) => {
        const k = kind.toLowerCase();
        if (['experiment', 'experiments', 'exp'].includes(k)) {
          const stored = name ? [await findExperiment(store, name, opts.namespace)] : await store.listExperiments(opts.namespace);
          const withTrials = await Promise.all(stored.map(async (r) => ({ r, trials: await store.listTrials(r.namespace, r.name) })));
          const objects = withTrials.map(({ r, trials }) => experimentObject(r, trials));
          const records = withTrials.map(({ r, trials }) => ({ ...r, status: statusFromTrials(r, trials, new Date().toISOString()) }));
          if (opts.output) return printObject(name ? objects[0] : listObject('Experiment', objects), opts.output);
          if (records.length === 0) return void process.stderr.write('No experiments found.\n');
          printTable(
            ['NAMESPACE', 'NAME', 'TYPE', 'STATUS', 'TRIALS', 'SUCCEEDED', 'FAILED', 'BEST', 'AGE'],
            records.map((r) => {
              const c = lastCondition(r.status.conditions);
              return [
                r.namespace,
                r.name,
                c?.type ?? r.state,
                c?.status ?? '',
                String(r.status.trials),
                String(r.status.trialsSucceeded),
                String(r.status.trialsFailed + r.status.trialMetricsUnavailable),
                bestText(r),
                age(r.createdAt),
              ];
            }),
          );
          return;
        }
        if (['trial', 'trials'].includes(k)) {
          if (name) {
            const { experiment, trial } = await findTrial(store, name, opts.namespace);
            if (opts.output) return printObject(trialObject(experiment, trial), opts.output);
            const { headers, rows } = trialRows(experiment, [trial]);
            return printTable(headers, rows);
          }
          const experiments = opts.experiment
            ? [await findExperiment(store, opts.experiment, opts.namespace)]
            : await store.listExperiments(opts.namespace);
          const groups = await Promise.all(experiments.map(async (e) => ({ e, trials: await store.listTrials(e.namespace, e.name) })));
          if (opts.output)
            return printObject(
              listObject(
                'Trial',
                groups.flatMap(({ e, trials }) => trials.map((t) => trialObject(e, t))),
              ),
              opts.output,
            );
          for (const [i, { e, trials }] of groups.entries()) {
            if (groups.length > 1) process.stdout.write(`${i > 0 ? '\n' : ''}# experiment ${e.namespace}/${e.name}\n`);
            const { headers, rows } = trialRows(e, trials);
            printTable(headers, rows);
          }
          if (groups.length === 0) process.stderr.write('No trials found.\n');
          return;
        }
        throw new UsageError(`get takes experiments, experiment NAME, trials or trial NAME (got ${JSON.stringify(kind)})`);
      });
    });

  program
    .command('describe')
    .description("show an experiment's spec, status, conditions and trials")
    .argument('<kind>', 'experiment')
    .argument('<name>')
    .option('-n, --namespace <ns>')
    .action(async (kind: string, name: string, opts: { namespace?: string }) => {
      if (kind !== 'experiment') throw new UsageError(`describe takes "experiment NAME" (got ${JSON.stringify(kind)})`);
      await withRuntime(home(), async ({ deps: { store } }) => {
        const found = await findExperiment(store, name, opts.namespace);
        const trials = await store.listTrials(found.namespace, found.name);
        const r = { ...found, status: statusFromTrials(found, trials, new Date().toISOString()) };
        const { spec } = r.experiment;
        const out: string[] = [
          `Name:         ${r.name}`,
          `Namespace:    ${r.namespace}`,
          `UID:          ${r.uid}`,
          `Created:      ${r.createdAt}`,
          `Status:       ${r.state} (${r.reason}) ${r.message}`,
          `Objective:    ${spec.objective.type} ${spec.objective.objectiveMetricName}${spec.objective.goal !== undefined ? ` (goal ${spec.objective.goal})` : ''}`,
          `Algorithm:    ${spec.algorithm.algorithmName}${(spec.algorithm.algorithmSettings ?? []).map((s) => ` ${s.name}=${s.value}`).join('')}`,
          `Budget:       maxTrialCount=${spec.maxTrialCount ?? 'unlimited'} parallelTrialCount=${spec.parallelTrialCount} maxFailedTrialCount=${spec.maxFailedTrialCount ?? 'unlimited'}`,
          'Parameters:',
          ...(spec.parameters ?? []).map(
            (p) =>
              `  ${p.name} (${p.parameterType}): ${p.feasibleSpace.list ? `[${p.feasibleSpace.list.join(', ')}]` : `${p.feasibleSpace.min}..${p.feasibleSpace.max}${p.feasibleSpace.step ? ` step ${p.feasibleSpace.step}` : ''}`} ${p.feasibleSpace.distribution ?? ''}`,
          ),
          `Trials:       ${r.status.trials} (running ${r.status.trialsRunning}, succeeded ${r.status.trialsSucceeded}, failed ${r.status.trialsFailed}, metrics unavailable ${r.status.trialMetricsUnavailable}, killed ${r.status.trialsKilled})`,
          `Best trial:   ${r.status.currentOptimalTrial.bestTrialName || '<none>'} ${bestText(r)}`,
          ...r.status.currentOptimalTrial.parameterAssignments.map((a) => `  ${a.name}=${a.value}`),
          'Conditions:',
          ...r.status.conditions.map(
            (c) => `  ${c.type.padEnd(10)} ${c.status.padEnd(6)} ${c.reason.padEnd(28)} ${c.lastTransitionTime}  ${c.message}`,
          ),
          '',
        ];
        process.stdout.write(out.join('\n'));
        const { headers, rows } = trialRows(r, trials);
        printTable(headers, rows);
      });
    });

  program
    .command('logs')
    .description("print a trial's output (-f: follow it until the trial ends)")
    .argument('<trial>')
    .option('-n, --namespace <ns>')
    .option('-f, --follow', 'keep printing until the trial finishes')
    .action(async (name: string, opts: { namespace?: string; follow?: boolean }) => {
      await withRuntime(home(), async ({ deps: { store } }) => {
        const { experiment, trial } = await findTrial(store, name, opts.namespace);
        const file = join(homePaths(home()).logs, trial.namespace, trial.name, 'job-0.log');
        let offset = 0;
        const pump = () => {
          if (!existsSync(file)) return;
          const size = statSync(file).size;
          if (size <= offset) return;
          const fd = openSync(file, 'r');
          const buf = Buffer.alloc(size - offset);
          readSync(fd, buf, 0, buf.length, offset);
          closeSync(fd);
          offset = size;
          process.stdout.write(buf);
        };
        pump();
        if (!existsSync(file) && !opts.follow) throw new UsageError(`trial ${name} has no logs yet (state ${trial.state})`);
        while (opts.follow) {
          const current = await store.getTrial(trial.namespace, experiment.name, trial.index);
          pump();
          if (!current || isTrialFinished(current.state)) break;
          await new Promise((r) => setTimeout(r, 250));
        }
      });
    });
}
