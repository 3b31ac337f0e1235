import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Size, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ROUTES } from '../../functions/api/routes.js';
import { METRICS_NAMESPACE } from '../../shared/adapters/cloudwatch-telemetry.js';
import type { TunestepConfig } from '../config.js';
import { ROOT, TunestepFunction } from '../constructs/tunestep-function.js';

export interface StatelessStackProps extends StackProps {
  config: TunestepConfig;
  table: dynamodb.ITableV2;
  bucket: s3.IBucket;
  trialSecret: secrets.ISecret;
}

/** Where the images carry the runtime bootstrap (dist/runtime/tunestep-bootstrap.mjs). */
export const BOOTSTRAP_PATH = '/opt/tunestep/tunestep-bootstrap.mjs';
/** Step Functions' Batch integration (the job followed to its end). */
export const BATCH_SYNC = 'arn:aws:states:::batch:submitJob.sync';

/** Reads the state machine definition and substitutes its `${...}` placeholders; an unknown one is an error. */
export function substituteDefinition(substitutions: Record<string, string>): string {
  return readFileSync(join(ROOT, 'statemachines', 'experiment.asl.json'), 'utf8').replace(/\$\{(\w+)\}/g, (_, key: string) => {
    const value = substitutions[key];
    if (value === undefined) throw new Error(`statemachines/experiment.asl.json: no substitution for \${${key}}`);
    return value;
  });
}

/**
 * Everything that can be replaced at will: the functions, the HTTP API, the experiment state machine,
 * AWS Batch (a GPU compute environment that scales to zero, its queue, a multi-node job definition per
 * trial image), the trials' log group and its subscription, alarms and a dashboard. Nothing here costs
 * anything while idle: no NAT gateway (public subnets), no instances (minvCpus 0), pay-per-request
 * everything else.
 */
export class StatelessStack extends Stack {
  readonly api: apigwv2.HttpApi;
  readonly stateMachine: sfn.StateMachine;
  readonly jobQueue: batch.JobQueue;

  /** How cdk-nag writes an ARN in a finding id: pseudo parameters as `<AWS::Partition>`, a concrete region or account as is. */
  private nagText(arn: string): string {
    const part = (p: unknown): string => {
      if (typeof p === 'string') return p;
      const o = p as { Ref?: string; 'Fn::GetAtt'?: string[]; 'Fn::Join'?: [string, unknown[]] };
      if (o.Ref) return `<${o.Ref}>`;
      if (o['Fn::GetAtt']) return `<${o['Fn::GetAtt'].join('.')}>`;
      if (o['Fn::Join']) return o['Fn::Join'][1].map(part).join(o['Fn::Join'][0]);
      return JSON.stringify(p);
    };
    return part(this.resolve(arn));
  }

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;

    // --- AWS Batch: nodes of one job in a cluster placement group, talking to each other only.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
    });
    vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogGroup', { retention: logs.RetentionDays.ONE_MONTH }),
      ),
    });
    const nodes = new ec2.SecurityGroup(this, 'Nodes', {
      vpc,
      description: 'Tunestep trial nodes: traffic among the nodes of a job only',
      allowAllOutbound: true,
    });
    nodes.addIngressRule(nodes, ec2.Port.allTraffic(), 'rendezvous, NCCL/gloo and MPI between the nodes of a multi-node job');
    const compute = new batch.ManagedEc2EcsComputeEnvironment(this, 'Gpu', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [nodes],
      instanceTypes: config.instanceTypes.map((t) => new ec2.InstanceType(t)),
      useOptimalInstanceClasses: false,
      minvCpus: 0,
      maxvCpus: config.maxVcpus,
      spot: false,
      placementGroup: new ec2.PlacementGroup(this, 'Placement', { strategy: ec2.PlacementGroupStrategy.CLUSTER }),
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2_NVIDIA }],
      updateToLatestImageVersion: true,
    });
    Validations.of(compute).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
      reason: "AWS's managed policy for ECS container instances (Batch's EC2 nodes), kept current by AWS.",
    });
    this.jobQueue = new batch.JobQueue(this, 'Queue', { computeEnvironments: [{ computeEnvironment: compute, order: 1 }] });
    const trialLogs = new logs.LogGroup(this, 'TrialLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const jobDefinitions: Record<string, { jobDefinition: string; entrypoint?: string[] }> = {};
    const definitionArns: string[] = [];
    for (const [i, image] of config.trialImages.entries()) {
      const definition = new batch.MultiNodeJobDefinition(this, `TrialImage${i}`, {
        mainNode: 0,
        propagateTags: true,
        containers: [
          {
            startNode: 0,
            endNode: 0,
            container: new batch.EcsEc2ContainerDefinition(this, `TrialContainer${i}`, {
              image: ecs.ContainerImage.fromRegistry(image.image),
              cpu: 1,
              memory: Size.gibibytes(2),
              command: ['node', BOOTSTRAP_PATH, '--', 'true'],
              logging: ecs.LogDriver.awsLogs({ logGroup: trialLogs, streamPrefix: 'trial' }),
            }),
          },
        ],
      });
      // One open range (`0:`), so that each submission can set the node count (Batch's rule for numNodes overrides).
      (definition.node.defaultChild as batch.CfnJobDefinition).addPropertyOverride(
        'NodeProperties.NodeRangeProperties.0.TargetNodes',
        '0:',
      );
      jobDefinitions[image.image] = {
        jobDefinition: definition.jobDefinitionArn,
        ...(image.entrypoint ? { entrypoint: image.entrypoint } : {}),
      };
      definitionArns.push(definition.jobDefinitionArn);
    }

    this.api = new apigwv2.HttpApi(this, 'HttpApi', { createDefaultStage: false, description: 'Tunestep: Katib Experiments over HTTP' });

    // --- Functions: one per state-machine task, the log subscription's, the API's.
    const environment = {
      TABLE_NAME: props.table.tableName,
      BATCH_JOB_QUEUE: this.jobQueue.jobQueueArn,
      BATCH_JOB_DEFINITIONS: Stack.of(this).toJsonString(jobDefinitions),
      BOOTSTRAP_PATH,
      ...(config.eks
        ? { EKS_CLUSTER_NAME: config.eks.clusterName, EKS_ROLE_ARN: config.eks.roleArn, EKS_NAMESPACE: config.eks.namespace }
        : {}),
    };
    const fn = (name: string, extra: Partial<ConstructorParameters<typeof TunestepFunction>[2]> = {}) => {
      const f = new TunestepFunction(
        this,
        name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
        { name, environment, ...extra },
      ).fn;
      props.table.grantReadWriteData(f);
      return f;
    };
    const initialize = fn('initialize-experiment');
    // PlanTrial hands each trial its push token and the API's URL.
    const planTrial = fn('plan-trial', {
      environment: { ...environment, TRIAL_SECRET_ARN: props.trialSecret.secretArn, API_URL: this.api.apiEndpoint },
    });
    props.trialSecret.grantRead(planTrial);
    const runTrial = fn('run-trial', { timeout: Duration.minutes(15) });
    const completeTrial = fn('complete-trial');
    const finalize = fn('finalize-experiment');
    const recordObservations = fn('record-observations', { timeout: Duration.minutes(1) });
    const jobs = `arn:${this.partition}:batch:${this.region}:${this.account}:job/*`;
    const terminateJobs = new iam.PolicyStatement({ actions: ['batch:TerminateJob'], resources: [jobs] });
    const terminateReason = {
      id: `AwsSolutions-IAM5[Resource::${this.nagText(jobs)}]`,
      reason: 'Trial jobs are created at run time, one per trial; TerminateJob stops them on early stop and experiment end.',
    };
    // Finding a trial's job by name (the state machine submitted it) needs ListJobs, which has no resource-level permissions.
    const listJobs = new iam.PolicyStatement({ actions: ['batch:ListJobs'], resources: ['*'] });
    for (const f of [completeTrial, recordObservations, runTrial]) {
      f.addToRolePolicy(terminateJobs);
      f.addToRolePolicy(listJobs);
      Validations.of(f).acknowledge(terminateReason);
    }
    if (config.eks) {
      runTrial.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [config.eks.roleArn] }));
      runTrial.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['eks:DescribeCluster'],
          resources: [`arn:${this.partition}:eks:${this.region}:${this.account}:cluster/${config.eks.clusterName}`],
        }),
      );
    }

    // --- The experiment loop: the very definition local mode runs, with AWS's resources substituted in.
    const stateMachineName = `${this.stackName}-experiment`;
    const definition = substituteDefinition({
      InitializeExperimentFunctionArn: initialize.functionArn,
      PlanTrialFunctionArn: planTrial.functionArn,
      RunTrialResource: runTrial.functionArn,
      RunTrialOnBatchResource: BATCH_SYNC,
      CompleteTrialFunctionArn: completeTrial.functionArn,
      FinalizeExperimentFunctionArn: finalize.functionArn,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Experiment', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'ExperimentLogs', { retention: logs.RetentionDays.ONE_MONTH }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    for (const f of [initialize, planTrial, runTrial, completeTrial, finalize]) {
      f.grantInvoke(this.stateMachine);
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(f.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: "grantInvoke covers the function's versions and aliases (the state machine invokes the function itself).",
      });
    }
    Validations.of(this.stateMachine).acknowledge(terminateReason, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'batch:DescribeJobs (the .sync integration), X-Ray and CloudWatch Logs delivery have no resource-level permissions.',
    });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['batch:SubmitJob'],
        resources: [this.jobQueue.jobQueueArn, ...definitionArns],
      }),
    );
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }));
    this.stateMachine.addToRolePolicy(terminateJobs);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [`arn:${this.partition}:events:${this.region}:${this.account}:rule/StepFunctionsGetEventsForBatchJobsRule`],
      }),
    );
    // ContinueAsNew: the execution starts its successor before the history limit.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [`arn:${this.partition}:states:${this.region}:${this.account}:stateMachine:${stateMachineName}`],
      }),
    );

    // --- Trial output -> observations.
    new logs.SubscriptionFilter(this, 'TrialLogsToObservations', {
      logGroup: trialLogs,
      destination: new LambdaDestination(recordObservations),
      filterPattern: logs.FilterPattern.allEvents(),
    });

    // --- The HTTP API: the routes of functions/api/routes.ts, every one behind the authorizer but the
    // trials' push route, which checks the trial's own token.
    const apiFn = fn('api', {
      environment: { ...environment, TRIAL_SECRET_ARN: props.trialSecret.secretArn, API_URL: this.api.apiEndpoint },
    });
    apiFn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution', 'states:ListExecutions'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    );
    apiFn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StopExecution'],
        resources: [`arn:${this.partition}:states:${this.region}:${this.account}:execution:${stateMachineName}:*`],
      }),
    );
    apiFn.addToRolePolicy(terminateJobs);
    apiFn.addToRolePolicy(listJobs);
    Validations.of(apiFn).acknowledge(terminateReason, {
      id: `AwsSolutions-IAM5[Resource::${this.nagText(`arn:${this.partition}:states:${this.region}:${this.account}:execution:${stateMachineName}:*`)}]`,
      reason: "StopExecution on this state machine's executions, which are created at run time, one per experiment.",
    });
    apiFn.addEnvironment('STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    props.trialSecret.grantRead(apiFn);
    // The logs route pages a trial's output from its stream.
    apiFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['logs:GetLogEvents'], resources: [trialLogs.logGroupArn] }));
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
    new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs) },
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    const authorizer =
      config.auth === 'jwt'
        ? new HttpJwtAuthorizer('Jwt', config.jwtIssuer!, { jwtAudience: config.jwtAudience ?? [] })
        : new HttpIamAuthorizer();
    const integration = new HttpLambdaIntegration('Handler', apiFn);
    for (const route of ROUTES) {
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
        authorizer: route.trialToken ? new apigwv2.HttpNoneAuthorizer() : authorizer,
      });
      if (route.trialToken) {
        Validations.of(added!).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            "Trials push metrics with their own short-lived token (an HMAC of the trial's name), checked by the handler; they have no AWS credentials.",
        });
      }
    }

    // --- Alarms and a dashboard.
    const alarmKey = kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns');
    const topic = new sns.Topic(this, 'Alarms', { enforceSSL: true, masterKey: alarmKey });
    if (config.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) =>
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new SnsAction(topic));
    alarm(
      'FailedExecutions',
      this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      'An experiment execution failed (a bug: experiments end through Finalize, not by failing)',
    );
    for (const [name, f] of Object.entries({ initialize, planTrial, runTrial, completeTrial, finalize, recordObservations, api: apiFn })) {
      alarm(`${name}Errors`, f.metricErrors({ period: Duration.minutes(5) }), `The ${name} function failed`);
    }
    const search = (metric: string, stat: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},service,namespace,kind,status} MetricName="${metric}"', '${stat}', 300)`,
        label,
        period: Duration.minutes(5),
      });
    new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-tunestep`,
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Trials finished, by status', left: [search('TrialsFinished', 'Sum', 'trials')] }),
          new cloudwatch.GraphWidget({ title: 'Trial duration (s)', left: [search('TrialDuration', 'Average', 'seconds')] }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Suggestion latency (ms), by algorithm',
            left: [
              new cloudwatch.MathExpression({
                expression: `SEARCH('{${METRICS_NAMESPACE},service,algorithm} MetricName="SuggestionLatency"', 'p90', 300)`,
                label: 'p90',
                period: Duration.minutes(5),
              }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Experiments',
            left: [this.stateMachine.metricStarted(), this.stateMachine.metricSucceeded(), this.stateMachine.metricFailed()],
          }),
        ],
      ],
    });
  }
}
