/**
 * The experiment the overhead benchmarks run: random search over one double `x`, `trials` trials,
 * `parallel` at a time, each running `command` (which gets x through `${trialParameters.x}`).
 */
export function overheadExperiment(name: string, trials: number, parallel: number, command: string[]): Record<string, unknown> {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name, namespace: 'bench' },
    spec: {
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      algorithm: { algorithmName: 'random' },
      parallelTrialCount: parallel,
      maxTrialCount: trials,
      parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
      trialTemplate: {
        primaryContainerName: 'main',
        trialParameters: [{ name: 'x', reference: 'x' }],
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'none', command }] } } },
        },
      },
    },
  };
}
