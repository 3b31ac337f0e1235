import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { ROOT, tempHome } from '../helpers.js';
import { command, tunestep, writeExperiment } from './cli.js';

// These run the real CLI: the real state machine definition in aws-local-stepfunctions, dynalite
// persisted under a temporary home, and trials as real python3 processes.

const work = mkdtempSync(join(tmpdir(), 'tunestep-exp-'));
const lastCondition = (exp: any) => exp.status.conditions[exp.status.conditions.length - 1];

describe('tunestep run', () => {
  test('a random experiment with a goal ends Succeeded / ExperimentGoalReached (exit 0)', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'goal', (d) => {
      d.spec.objective.goal = 0.1;
      d.spec.maxTrialCount = 40;
      d.spec.parameters[1].feasibleSpace.list = ['a'];
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const exp = JSON.parse(r.stdout);
    expect(exp.kind).toBe('Experiment');
    expect(lastCondition(exp)).toMatchObject({
      type: 'Succeeded',
      status: 'True',
      reason: 'ExperimentGoalReached',
    });
    const best = exp.status.currentOptimalTrial;
    expect(Number(best.observation.metrics.find((m: any) => m.name === 'loss').min)).toBeLessThanOrEqual(0.1);
    expect(best.parameterAssignments.map((p: any) => p.name)).toEqual(['x', 'y']);
    expect(exp.status.trials).toBeLessThan(40);
    expect(exp.status.conditions.find((c: any) => c.type === 'Running').status).toBe('False');
  });

  test('a grid experiment visits every grid point once and ends ExperimentMaxTrialsReached', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'grid', (d) => {
      d.spec.algorithm = { algorithmName: 'grid' };
      d.spec.parameters[0].feasibleSpace = { min: '0.1', max: '0.5', step: '0.2' };
      d.spec.maxTrialCount = 9;
    });
    const r = await tunestep(['run', file], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Succeeded \(ExperimentMaxTrialsReached\)/);
    expect(r.stdout).toMatch(/best hyperparameters:\n {2}x=0\.3\n {2}y=a/);
    const trials = JSON.parse((await tunestep(['get', 'trials', '-e', 'grid', '-o', 'json'], home)).stdout);
    expect(trials.kind).toBe('TrialList');
    expect(trials.items).toHaveLength(9);
    const points = trials.items.map((t: any) => t.spec.parameterAssignments.map((a: any) => `${a.name}=${a.value}`).join(','));
    expect(new Set(points).size).toBe(9);
    expect(points).toEqual(expect.arrayContaining(['x=0.1,y=a', 'x=0.3,y=b', 'x=0.5,y=c']));
    for (const t of trials.items) expect(t.status.conditions.at(-1).type).toBe('Succeeded');
  });

  test.each(['tpe', 'multivariate-tpe'])('%s runs end to end and its trials beat the startup phase', async (algorithm) => {
    const home = tempHome();
    const file = writeExperiment(work, algorithm, (d) => {
      d.spec.algorithm = {
        algorithmName: algorithm,
        algorithmSettings: [
          { name: 'random_state', value: '11' },
          { name: 'n_startup_trials', value: '6' },
        ],
      };
      d.spec.maxTrialCount = 18;
      d.spec.parallelTrialCount = 2;
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status.trialsSucceeded).toBe(18);
    const trials = JSON.parse((await tunestep(['get', 'trials', '-e', algorithm, '-o', 'json'], home)).stdout).items;
    const loss = (t: any) => Number(t.status.observation.metrics[0].min);
    const startupBest = Math.min(...trials.slice(0, 6).map(loss));
    const modelBest = Math.min(...trials.slice(6).map(loss));
    expect(modelBest).toBeLessThan(startupBest);
  });

  test('cmaes (ipop) runs end to end, a categorical parameter beside the numeric ones', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'cmaes', (d) => {
      d.spec.algorithm = {
        algorithmName: 'cmaes',
        algorithmSettings: [
          { name: 'restart_strategy', value: 'ipop' },
          { name: 'random_state', value: '4' },
        ],
      };
      d.spec.parameters.push({ name: 'z', parameterType: 'int', feasibleSpace: { min: '0', max: '10' } });
      d.spec.trialTemplate.trialParameters.push({ name: 'z', reference: 'z' });
      command(d).push('--epochs=${trialParameters.z}');
      d.spec.maxTrialCount = 15;
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status.trialsSucceeded).toBeGreaterThanOrEqual(13);
  });

  test('sobol runs end to end: eight trials stratify x into eighths (a scrambled net)', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'sobol', (d) => {
      d.spec.algorithm = { algorithmName: 'sobol', algorithmSettings: [{ name: 'random_state', value: '9' }] };
      d.spec.maxTrialCount = 8;
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(0);
    const trials = JSON.parse((await tunestep(['get', 'trials', '-e', 'sobol', '-o', 'json'], home)).stdout).items;
    const cells = trials.map((t: any) => Math.floor(Number(t.spec.parameterAssignments.find((a: any) => a.name === 'x').value) * 8));
    expect(new Set(cells).size).toBe(8);
  });

  test('hyperband runs its brackets end to end, lanes wait for rungs, and the experiment ends when the plan does', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'hyperband', (d) => {
      d.spec.algorithm = {
        algorithmName: 'hyperband',
        algorithmSettings: [
          { name: 'resource_name', value: 'epochs' },
          { name: 'r_l', value: '9' },
          { name: 'eta', value: '3' },
          { name: 'random_state', value: '2' },
        ],
      };
      d.spec.parameters.push({ name: 'epochs', parameterType: 'int', feasibleSpace: { min: '1', max: '9' } });
      d.spec.trialTemplate.trialParameters.push({ name: 'epochs', reference: 'epochs' });
      command(d).push('--epochs=${trialParameters.epochs}');
      d.spec.maxTrialCount = 30;
      d.spec.parallelTrialCount = 4;
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(0);
    const exp = JSON.parse(r.stdout);
    expect(lastCondition(exp).reason).toBe('ExperimentSuggestionEndReached');
    const trials = JSON.parse((await tunestep(['get', 'trials', '-e', 'hyperband', '-o', 'json'], home)).stdout).items;
    expect(trials).toHaveLength(22);
    // In slot order: bracket 2 (9 at 1 epoch, 3 at 3, 1 at 9), bracket 1 (5 at 3, 1 at 9), bracket 0 (3 at 9).
    const epochs = trials.map((t: any) => t.spec.parameterAssignments.find((a: any) => a.name === 'epochs').value);
    expect(epochs.join(' ')).toBe('1 1 1 1 1 1 1 1 1 3 3 3 9 3 3 3 3 3 9 9 9 9');
  });

  test('bayesianoptimization runs end to end and finds the optimum of x and y', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'bayesopt', (d) => {
      d.spec.algorithm = {
        algorithmName: 'bayesianoptimization',
        algorithmSettings: [
          { name: 'random_state', value: '10' },
          { name: 'n_initial_points', value: '6' },
        ],
      };
      // One lane, so the suggestions do not depend on which lane finishes first (the batch behaviour
      // with pending trials is tested in algorithms.test.ts).
      d.spec.maxTrialCount = 24;
      d.spec.parallelTrialCount = 1;
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(0);
    const exp = JSON.parse(r.stdout);
    expect(exp.status.trialsSucceeded).toBe(24);
    const best = Object.fromEntries(exp.status.currentOptimalTrial.parameterAssignments.map((a: any) => [a.name, a.value]));
    // objective.py: loss = (x - 0.3)^2 + {a: 0, b: 0.05, c: 0.1}[y] + 0.1 / epochs. Random search lands
    // this close in 24 trials about one time in twelve.
    expect(best.y).toBe('a');
    expect(Math.abs(Number(best.x) - 0.3)).toBeLessThan(0.005);
  });

  test('asha runs end to end: epochs as the resource, promoted configurations reach the full budget', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'asha', (d) => {
      d.spec.algorithm = {
        algorithmName: 'asha',
        algorithmSettings: [
          { name: 'resource_name', value: 'epochs' },
          { name: 'random_state', value: '5' },
        ],
      };
      d.spec.parameters.push({ name: 'epochs', parameterType: 'int', feasibleSpace: { min: '1', max: '9' } });
      d.spec.trialTemplate.trialParameters.push({ name: 'epochs', reference: 'epochs' });
      command(d).push('--epochs=${trialParameters.epochs}');
      // One lane, so the suggestions do not depend on which lane finishes first (the batch behaviour
      // with pending trials is tested in algorithms.test.ts).
      d.spec.maxTrialCount = 24;
      d.spec.parallelTrialCount = 1;
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(0);
    const trials = JSON.parse((await tunestep(['get', 'trials', '-e', 'asha', '-o', 'json'], home)).stdout).items;
    const epochs = trials.map((t: any) => t.spec.parameterAssignments.find((a: any) => a.name === 'epochs').value);
    expect(new Set(epochs)).toEqual(new Set(['1', '3', '9']));
    expect(epochs.filter((e: string) => e === '1').length).toBeGreaterThan(epochs.filter((e: string) => e === '9').length);
  });

  test('medianstop stops trials worse than the median mid-run; they end EarlyStopped and count as finished', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'medianstop', (d) => {
      d.spec.earlyStopping = {
        algorithmName: 'medianstop',
        algorithmSettings: [
          { name: 'min_trials_required', value: '2' },
          { name: 'start_step', value: '2' },
        ],
      };
      d.spec.parallelTrialCount = 1;
      d.spec.maxTrialCount = 8;
      command(d).push('--epochs=6', '--sleep=0.9');
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(0);
    const exp = JSON.parse(r.stdout);
    expect(exp.status.conditions.at(-1).reason).toBe('ExperimentMaxTrialsReached');
    expect(exp.status.trialsEarlyStopped).toBeGreaterThanOrEqual(1);
    expect(exp.status.trialsSucceeded + exp.status.trialsEarlyStopped).toBe(8);
    const stopped = exp.status.earlyStoppedTrialList[0];
    const trial = JSON.parse((await tunestep(['get', 'trial', stopped, '-o', 'json'], home)).stdout);
    expect(trial.status.conditions.at(-1)).toMatchObject({ type: 'EarlyStopped', status: 'True' });
    expect(trial.status.conditions.at(-1).reason).toMatch(/^TrialEarlyStopped/);
    // Stopped at step 2 or soon after, well before its 6 epochs.
    expect((await tunestep(['logs', stopped], home)).stdout).not.toContain('epoch=6');
  });

  test('trials that exit non-zero fail the experiment: Failed / ExperimentFailed, exit 1', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'failing', (d) => command(d).push('--exit=3'));
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(1);
    const exp = JSON.parse(r.stdout);
    expect(lastCondition(exp)).toMatchObject({ type: 'Failed', reason: 'ExperimentFailed' });
    expect(exp.status.trialsFailed).toBeGreaterThanOrEqual(2);
    const trial = exp.status.failedTrialList[0];
    const logs = await tunestep(['logs', trial], home);
    expect(logs.stdout).toContain('training done');
  });

  test('a trial whose objective never appears ends MetricsUnavailable, which counts as failed', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'silent', (d) => command(d).push('--silent'));
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(1);
    const exp = JSON.parse(r.stdout);
    expect(exp.status.trialMetricsUnavailable).toBeGreaterThanOrEqual(2);
    expect(exp.status.trialsFailed).toBe(0);
  });

  test('parameter values reach argv and env verbatim, never through a shell', async () => {
    const home = tempHome();
    const marker = join(work, 'shell-was-here');
    const argvFile = join(work, 'argv.jsonl');
    const file = writeExperiment(work, 'noshell', (d) => {
      d.spec.parameters[1].feasibleSpace.list = [`$(touch ${marker})`, `a b; touch ${marker}`];
      d.spec.trialTemplate.trialParameters.push({ name: 'trialName', reference: '${trialSpec.Name}' });
      command(d).push(`--argv-file=${argvFile}`);
      d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].env = [
        { name: 'TRIAL_Y', value: '${trialParameters.y}' },
        { name: 'TRIAL_NAME', value: '${trialParameters.trialName}' },
      ];
      d.spec.maxTrialCount = 4;
      d.spec.parallelTrialCount = 2;
    });
    const r = await tunestep(['run', file], home);
    expect(existsSync(marker)).toBe(false);
    const calls = readFileSync(argvFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(calls).toHaveLength(4);
    for (const call of calls) {
      const y = call.argv.find((a: string) => a.startsWith('--y=')).slice(4);
      expect([`$(touch ${marker})`, `a b; touch ${marker}`]).toContain(y);
      expect(call.env.TRIAL_Y).toBe(y);
      expect(call.env.TRIAL_NAME).toBe(call.env.KATIB_TRIAL_NAME);
      expect(call.env.KATIB_TRIAL_NAME).toMatch(/^noshell-[a-z0-9]{8}$/);
    }
    expect(r.code).toBe(0);
  });

  test.each([
    ['TEXT', false],
    ['JSON', true],
  ])('the File collector (%s) reads the trial file remapped under the home', async (format, json) => {
    const home = tempHome();
    const file = writeExperiment(work, `file-${format.toLowerCase()}`, (d) => {
      d.spec.metricsCollectorSpec = {
        collector: { kind: 'File' },
        source: { fileSystemPath: { path: '/var/log/katib/metrics.log', kind: 'File', format } },
      };
      command(d).push('--silent', '--log-path=/var/log/katib/metrics.log', ...(json ? ['--json'] : []));
      d.spec.maxTrialCount = 3;
    });
    const r = await tunestep(['run', file, '-o', 'json'], home);
    expect(r.code).toBe(0);
    const exp = JSON.parse(r.stdout);
    expect(exp.status.trialsSucceeded).toBe(3);
    expect(existsSync(join(home, 'trials', 'kubeflow', exp.status.succeededTrialList[0], 'metrics', 'metrics.log'))).toBe(true);
  });
});

describe('bad input', () => {
  test('an invalid spec exits 2, names every field path, prints no stack trace and writes nothing', async () => {
    const home = join(tempHome(), 'never-created');
    const file = writeExperiment(work, 'invalid', (d) => {
      d.spec.objective.type = 'minimise';
      d.spec.parameters[0].feasibleSpace = { min: '3', max: '1' };
    });
    const r = await tunestep(['run', file], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.objective.type: must be minimize or maximize (got "minimise")');
    expect(r.stderr).toContain('spec.parameters[0].feasibleSpace.max: must be greater than min (got max=1, min=3)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(home)).toBe(false);
  });

  test('a custom success condition, which local mode would not evaluate, is refused up front (exit 2)', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'custom-condition', (d) => {
      d.spec.trialTemplate.successCondition = 'status.conditions.#(type=="Done")#|#(status=="True")#';
    });
    const r = await tunestep(['run', file], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.trialTemplate.successCondition: local mode decides a Job trial by the job');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('validate says valid (exit 0) or lists the problems (exit 2)', async () => {
    const home = tempHome();
    expect((await tunestep(['validate', join(ROOT, 'examples', 'random.yaml')], home)).code).toBe(0);
    const bad = writeExperiment(work, 'bad-algo', (d) => (d.spec.algorithm.algorithmName = 'tpe-ish'));
    const r = await tunestep(['validate', bad], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.algorithm.algorithmName: unknown algorithm "tpe-ish"');
  });

  test('a missing file, an unknown command and an unknown experiment exit 2 with a message', async () => {
    const home = tempHome();
    const missing = await tunestep(['run', join(work, 'nope.yaml')], home);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect((await tunestep(['frobnicate'], home)).code).toBe(2);
    const unknown = await tunestep(['describe', 'experiment', 'ghost'], home);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('experiment "ghost" not found');
  });

  test('a second run of the same name is refused until deleted', async () => {
    const home = tempHome();
    const file = writeExperiment(work, 'twice', (d) => (d.spec.maxTrialCount = 3));
    expect((await tunestep(['run', file], home)).code).toBe(0);
    const again = await tunestep(['run', file], home);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const listed = await tunestep(['get', 'experiments'], home);
    expect(listed.stdout).toMatch(/kubeflow\s+twice\s+Succeeded\s+True\s+3\s+3\s+0\s+loss=/);
    const described = await tunestep(['describe', 'experiment', 'twice'], home);
    expect(described.stdout).toContain('ExperimentMaxTrialsReached');
    const asYaml = parse((await tunestep(['get', 'experiment', 'twice', '-o', 'yaml'], home)).stdout);
    expect(asYaml).toMatchObject({ apiVersion: 'kubeflow.org/v1beta1', kind: 'Experiment', status: { trials: 3, trialsSucceeded: 3 } });
    const followed = await tunestep(['logs', asYaml.status.succeededTrialList[0], '-f'], home);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('epoch=3 loss=');
    expect((await tunestep(['delete', 'experiment', 'twice'], home)).stdout).toContain('deleted');
    expect((await tunestep(['get', 'experiments', '-o', 'json'], home)).stdout).toContain('"items": []');
    expect((await tunestep(['run', file], home)).code).toBe(0);
  });
});
