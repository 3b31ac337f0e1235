import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ROUTES } from '#functions/api/routes.js';
import { buildApp } from '../../infra/app.js';
import { ConfigError } from '../../infra/config.js';
import { BATCH_SYNC, substituteDefinition } from '../../infra/stacks/stateless-stack.js';

// The CDK app synthesized offline (functions bundled by the local esbuild), cdk-nag's AwsSolutions
// checks on, and the templates asserted.

const IMAGE = 'pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime';
const outdir = () => mkdtempSync(join(tmpdir(), 'tunestep-cdk-'));

function synthesize(context: Record<string, unknown> = {}) {
  const built = buildApp(
    { 'tunestep:trialImages': [IMAGE, { image: 'xgb:1', entrypoint: ['python3', '/entry.py'] }], ...context },
    outdir(),
  );
  built.app.synth(); // throws on any unacknowledged cdk-nag finding
  return { ...built, stateful: Template.fromStack(built.stateful), stateless: Template.fromStack(built.stateless) };
}

const synthesized = synthesize();
const { stateful, stateless } = synthesized;

/** The logical id of one of the stack's functions (`PlanTrial`, `RecordObservations`, ...). */
const fnId = (name: string) => {
  const stack = synthesized.app.node.findChild('TunestepStateless') as import('aws-cdk-lib').Stack;
  return stack.getLogicalId(stack.node.findChild(name).node.findChild('Function').node.defaultChild as import('aws-cdk-lib').CfnElement);
};

/** A CloudFormation string value (`Fn::Join` of literals, Refs and GetAtts) with tokens written as `<Logical.Attr>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const o = value as { Ref?: string; 'Fn::GetAtt'?: string[]; 'Fn::Join'?: [string, unknown[]] };
  if (o.Ref) return `<${o.Ref}>`;
  if (o['Fn::GetAtt']) return `<${o['Fn::GetAtt'].join('.')}>`;
  if (o['Fn::Join']) return o['Fn::Join'][1].map(flatten).join(o['Fn::Join'][0]);
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

describe('the stateful stack', () => {
  it('has the table with the store keys, point-in-time recovery, deletion protection, retained', () => {
    stateful.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [
          Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true }),
        ],
      }),
      DeletionPolicy: 'Retain',
    });
    stateful.hasResourceProperties('AWS::S3::Bucket', Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }));
  });
});

describe('the stateless stack', () => {
  it("runs statemachines/experiment.asl.json itself, with AWS's resources substituted in", () => {
    const [machine] = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine'));
    const deployed = flatten(machine!.Properties.DefinitionString);
    const fnArn = (name: string) => `<${fnId(name)}.Arn>`;
    const expected = substituteDefinition({
      InitializeExperimentFunctionArn: fnArn('InitializeExperiment'),
      PlanTrialFunctionArn: fnArn('PlanTrial'),
      RunTrialResource: fnArn('RunTrial'),
      RunTrialOnBatchResource: BATCH_SYNC,
      CompleteTrialFunctionArn: fnArn('CompleteTrial'),
      FinalizeExperimentFunctionArn: fnArn('FinalizeExperiment'),
    });
    expect(JSON.parse(deployed)).toEqual(JSON.parse(expected));
    expect(deployed).toContain('"Resource": "arn:aws:states:::batch:submitJob.sync"');
  });

  it('serves every API route behind IAM, but the push route, which checks the trial token', () => {
    const routes = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const r of routes) {
      const push = r.RouteKey === 'POST /v1/namespaces/{namespace}/trials/{name}/observations';
      expect([r.RouteKey, r.AuthorizationType]).toEqual([r.RouteKey, push ? 'NONE' : 'AWS_IAM']);
    }
  });

  it('uses a JWT authorizer when configured so, and refuses an incomplete configuration', () => {
    const jwt = synthesize({
      'tunestep:auth': 'jwt',
      'tunestep:jwtIssuer': 'https://issuer.example',
      'tunestep:jwtAudience': ['tunestep'],
    }).stateless;
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example', Audience: ['tunestep'] },
    });
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/experiments', AuthorizationType: 'JWT' });
    expect(() => buildApp({ 'tunestep:auth': 'jwt' })).toThrow(ConfigError);
    expect(() => buildApp({ 'tunestep:auth': 'oauth', 'tunestep:maxVcpus': -1 })).toThrow(
      /tunestep:auth: must be iam or jwt \(got "oauth"\)\n\s+tunestep:maxVcpus/,
    );
  });

  it('has a multi-node job definition per trial image, open-ended so a submission sets the node count', () => {
    const definitions = Object.values(stateless.findResources('AWS::Batch::JobDefinition')).map((d) => d.Properties);
    expect(definitions).toHaveLength(2);
    for (const d of definitions) {
      expect(d.Type).toBe('multinode');
      expect(d.NodeProperties.MainNode).toBe(0);
      expect(d.NodeProperties.NodeRangeProperties).toHaveLength(1);
      expect(d.NodeProperties.NodeRangeProperties[0].TargetNodes).toBe('0:');
      expect(d.NodeProperties.NodeRangeProperties[0].Container.LogConfiguration.LogDriver).toBe('awslogs');
    }
    stateless.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ MinvCpus: 0, InstanceTypes: ['g5.xlarge', 'g5.2xlarge'], Type: 'EC2' }),
    });
    // The trial images' job definitions reach the functions as BATCH_JOB_DEFINITIONS, entrypoints included.
    const planTrial = stateless.findResources('AWS::Lambda::Function')[fnId('PlanTrial')];
    const defs = flatten(planTrial!.Properties.Environment.Variables.BATCH_JOB_DEFINITIONS);
    expect(defs).toContain(`"${IMAGE}":{"jobDefinition":"<`);
    expect(defs).toContain('"entrypoint":["python3","/entry.py"]');
    expect(planTrial!.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });

  it("streams the trials' log group to record-observations", () => {
    const recorder = fnId('RecordObservations');
    stateless.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      FilterPattern: '',
      DestinationArn: { 'Fn::GetAtt': [recorder, 'Arn'] },
    });
  });

  it('alarms on failed executions and on every function error', () => {
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName);
    expect(alarms.filter((m) => m === 'ExecutionsFailed')).toHaveLength(1);
    expect(alarms.filter((m) => m === 'Errors')).toHaveLength(7);
  });
});

describe('cdk-nag', () => {
  it('passes: the validation report of the synthesis lists no violation', () => {
    const dir = outdir();
    buildApp({ 'tunestep:trialImages': [IMAGE] }, dir).app.synth();
    const report = JSON.parse(readFileSync(join(dir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((p) => p.violations)).toEqual([]);
  });

  it('fails the synthesis when a policy gains a wildcard resource nobody gave a reason for', () => {
    const built = buildApp({ 'tunestep:trialImages': [IMAGE] }, outdir());
    const role = new iam.Role(built.stateless, 'Careless', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(() => built.app.synth()).toThrow(/TunestepStateless\/Careless\/DefaultPolicy[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
  });
});
