import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { openLocalRuntime } from '#local/runtime.js';
import { startLocalServer } from '#local/server.js';
import { checkExperiment } from '#shared/spec/load.js';
import { createExperiment } from '#shared/use-cases/create-experiment.js';
import { markStopped } from '#shared/use-cases/stop-experiment.js';
import { FIXTURES, fixtureExperiment, tempHome } from '../helpers.js';

function experiment(name: string) {
  const d = fixtureExperiment('objective.yaml');
  d.metadata.name = name;
  d.spec.maxTrialCount = 2;
  d.spec.parallelTrialCount = 1;
  d.spec.maxFailedTrialCount = 0;
  d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command[1] = join(FIXTURES, 'scripts', 'objective.py');
  return checkExperiment(d);
}

describe('tunestep server at start', () => {
  it('continues the experiments nobody drives, and leaves the stopped ones alone', async () => {
    const home = tempHome('tunestep-resume-');
    // Left behind: one never started (a `run` that died at once), one stopped on purpose.
    const runtime = await openLocalRuntime(home, process.env);
    await createExperiment(runtime.deps, { experiment: experiment('orphan'), uid: 'u1', seed: 1 });
    await createExperiment(runtime.deps, { experiment: experiment('paused'), uid: 'u2', seed: 2 });
    const paused = (await runtime.deps.store.getExperiment('kubeflow', 'paused'))!;
    await runtime.deps.store.updateExperiment({ ...paused, state: 'Running', reason: 'ExperimentRunning' });
    await markStopped(runtime.deps, 'kubeflow', 'paused');
    await runtime.close();

    const server = await startLocalServer({
      home,
      port: 0,
      env: { ...process.env, TUNESTEP_TOKEN: 't0ken-for-the-test' },
      workdir: FIXTURES,
      log: () => {},
    });
    try {
      expect(server.resumed).toEqual(['kubeflow/orphan']);
      await server.runner.settled('kubeflow', 'orphan');
      const store = server.runtime.deps.store;
      expect((await store.getExperiment('kubeflow', 'orphan'))?.state).toBe('Succeeded');
      expect((await store.listTrials('kubeflow', 'orphan')).map((t) => t.state)).toEqual(['Succeeded', 'Succeeded']);
      expect((await store.getExperiment('kubeflow', 'paused'))?.reason).toBe('ExperimentStopped');
      expect(await store.listTrials('kubeflow', 'paused')).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
