import { expect, test } from '@jest/globals';
import { renderTrialSpec } from '../../shared/spec/template.js';

test('values go into the one string they were placed in, shell characters and all', () => {
  const template = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    spec: { args: ['--lr=${trialParameters.lr}', '--name', '${trialParameters.opt}'] },
  };
  const out = renderTrialSpec(
    template,
    [
      { name: 'lr', reference: 'lr' },
      { name: 'opt', reference: 'opt' },
    ],
    [
      { name: 'lr', value: '0.1' },
      { name: 'opt', value: '$(rm -rf /); echo "x y"' },
    ],
    { name: 't', namespace: 'n' },
  );
  expect((out.spec as { args: string[] }).args).toEqual(['--lr=0.1', '--name', '$(rm -rf /); echo "x y"']);
});

test('trial metadata references resolve (Katib trial-metadata-substitution)', () => {
  const template = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      labels: { 'custom-key': 'custom-label' },
      annotations: { 'custom-key': 'custom-annotation' },
    },
    spec: {
      env: [
        '${trialParameters.n}',
        '${trialParameters.ns}',
        '${trialParameters.k}',
        '${trialParameters.v}',
        '${trialParameters.l}',
        '${trialParameters.a}',
      ],
    },
  };
  const out = renderTrialSpec(
    template,
    [
      { name: 'n', reference: '${trialSpec.Name}' },
      { name: 'ns', reference: '${trialSpec.Namespace}' },
      { name: 'k', reference: '${trialSpec.Kind}' },
      { name: 'v', reference: '${trialSpec.APIVersion}' },
      { name: 'l', reference: '${trialSpec.Labels[custom-key]}' },
      { name: 'a', reference: '${trialSpec.Annotations[custom-key]}' },
    ],
    [],
    { name: 'exp-abc', namespace: 'kubeflow' },
  );
  expect((out.spec as { env: string[] }).env).toEqual(['exp-abc', 'kubeflow', 'Job', 'batch/v1', 'custom-label', 'custom-annotation']);
});
