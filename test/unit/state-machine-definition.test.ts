import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import aslValidator from 'asl-validator';
import { DEFINITION_PATH, LOCAL_SUBSTITUTIONS, loadDefinition } from '../../local/state-machine.js';

const raw = readFileSync(DEFINITION_PATH, 'utf8');

test('statemachines/experiment.asl.json is valid ASL after substitution', () => {
  const definition = loadDefinition(LOCAL_SUBSTITUTIONS);
  const result = aslValidator(structuredClone(definition));
  expect(result.errorsText()).toBe('');
  expect(result.isValid).toBe(true);
});

test('every ${placeholder} has a local substitution, and every substitution is used', () => {
  const used = new Set([...raw.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
  expect([...used].sort()).toEqual(Object.keys(LOCAL_SUBSTITUTIONS).sort());
});

test('the loop is JSONPath only: no JSONata, Assign or variables (ignored by the local runner)', () => {
  expect(raw).not.toMatch(/"QueryLanguage"|"Assign"|"Arguments"|"Output"/);
});

test('the lanes loop: PlanTrial -> RunTrial -> CompleteTrial with a catch-all that still completes the trial', () => {
  const definition = loadDefinition(LOCAL_SUBSTITUTIONS) as any;
  const lane = definition.States.Lanes.ItemProcessor.States;
  expect(definition.States.Lanes.MaxConcurrencyPath).toBe('$.init.parallel');
  expect(lane.RunTrial.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'CompleteTrial' });
  expect(lane.CompleteTrial.Next).toBe('NextIteration');
  expect(lane.NextIteration.Next).toBe('PlanTrial');
  expect(lane.WaitBeforePlan.Next).toBe('NextAfterWait');
  expect(lane.NextAfterWait.Parameters.afterWait).toBe(true);
  // aws-local-stepfunctions' default task timeout is 60 s; a trial runs far longer.
  expect(lane.RunTrial.TimeoutSeconds).toBeGreaterThan(86_400);
  expect(lane.RunTrial.TimeoutSeconds).toBeLessThan(2 ** 31 / 1000);
});
