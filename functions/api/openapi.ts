/**
 * The API's OpenAPI 3.1 document, served at /v1/openapi.json. Written by hand next to the routes it
 * describes; test/integration/api.test.ts checks that it lists exactly the routes of `ROUTES` and that
 * real answers validate against its schemas.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const answer = (description: string, schema: object) => ({ description, content: json(schema) });

const ERRORS = {
  '400': answer('Invalid input: every invalid field is in details.causes', ref('Status')),
  '401': answer('No valid token', ref('Status')),
  '403': answer('The token may not do this', ref('Status')),
  '404': answer('No such object', ref('Status')),
};
const namespace = { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } };
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const status = {
  name: 'status',
  in: 'query',
  required: false,
  description: 'only experiments in this status',
  schema: { type: 'string', enum: ['Created', 'Running', 'Restarting', 'Stopped', 'Succeeded', 'Failed'] },
};
/** A Kubeflow object in the body, as YAML (what users keep) or JSON. */
const KUBEFLOW_DOCUMENT = {
  required: true,
  content: { 'application/yaml': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } },
};
const op = (summary: string, responses: object, extra: object = {}) => ({ summary, responses: { ...responses, ...ERRORS }, ...extra });

const katibObject = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object', required: ['name', 'namespace'], properties: { name: { type: 'string' }, namespace: { type: 'string' } } },
    spec: { type: 'object' },
    status: { type: 'object' },
  },
};

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Tunestep API',
    version: '1',
    description:
      'Katib v1beta1 Experiments and their trials, over HTTP. The same handlers serve API Gateway on AWS and `tunestep server` locally. Every request needs `Authorization: Bearer <token>`.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Status: {
        type: 'object',
        required: ['kind', 'status'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { const: 'Status' },
          status: { enum: ['Success', 'Failure'] },
          code: { type: 'integer' },
          reason: { type: 'string' },
          message: { type: 'string' },
          details: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              kind: { type: 'string' },
              causes: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['field', 'message'],
                  properties: { field: { type: 'string' }, message: { type: 'string' } },
                },
              },
            },
          },
        },
      },
      Experiment: {
        ...katibObject,
        properties: {
          ...katibObject.properties,
          kind: { const: 'Experiment' },
          status: {
            type: 'object',
            required: ['conditions', 'currentOptimalTrial'],
            properties: {
              conditions: { type: 'array', items: { type: 'object', required: ['type', 'status', 'reason'] } },
              currentOptimalTrial: { type: 'object' },
              trials: { type: 'integer' },
              trialsSucceeded: { type: 'integer' },
              trialsRunning: { type: 'integer' },
            },
          },
        },
      },
      Trial: { ...katibObject, properties: { ...katibObject.properties, kind: { const: 'Trial' } } },
      ExperimentList: {
        type: 'object',
        required: ['kind', 'items'],
        properties: { kind: { const: 'ExperimentList' }, items: { type: 'array', items: ref('Experiment') } },
      },
      TrialList: {
        type: 'object',
        required: ['kind', 'items'],
        properties: { kind: { const: 'TrialList' }, items: { type: 'array', items: ref('Trial') } },
      },
      BudgetPatch: {
        type: 'object',
        additionalProperties: false,
        properties: {
          spec: {
            type: 'object',
            additionalProperties: false,
            properties: {
              maxTrialCount: { type: 'integer', minimum: 1 },
              parallelTrialCount: { type: 'integer', minimum: 1 },
              maxFailedTrialCount: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
      ObservationLog: {
        type: 'object',
        required: ['observationLog'],
        properties: {
          observationLog: {
            type: 'object',
            required: ['metricLogs'],
            properties: {
              metricLogs: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['timeStamp', 'metric'],
                  properties: {
                    timeStamp: { type: 'string' },
                    step: { type: 'integer' },
                    metric: {
                      type: 'object',
                      required: ['name', 'value'],
                      properties: { name: { type: 'string' }, value: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
      Push: {
        type: 'object',
        required: ['metrics'],
        properties: {
          metrics: {
            oneOf: [
              { type: 'object', additionalProperties: { type: 'number' } },
              {
                type: 'array',
                items: { type: 'object', required: ['name', 'value'], properties: { name: { type: 'string' }, value: { type: 'number' } } },
              },
            ],
          },
          step: { type: 'integer', minimum: 0 },
          timestamp: { type: 'string', format: 'date-time' },
        },
      },
      TrainingJob: {
        ...katibObject,
        properties: {
          ...katibObject.properties,
          kind: { enum: ['PyTorchJob', 'TFJob', 'MPIJob', 'XGBoostJob', 'JAXJob', 'Job'] },
          status: {
            type: 'object',
            required: ['conditions', 'replicaStatuses'],
            properties: {
              conditions: { type: 'array', items: { type: 'object', required: ['type', 'status', 'reason'] } },
              replicaStatuses: { type: 'object' },
              restarts: { type: 'integer' },
              replicaStates: {
                type: 'array',
                description: "Tunestep's addition: every replica by name with its phase",
                items: {
                  type: 'object',
                  required: ['name', 'type', 'index', 'phase'],
                  properties: {
                    name: { type: 'string' },
                    type: { type: 'string' },
                    index: { type: 'integer' },
                    phase: { enum: ['pending', 'running', 'restarting', 'succeeded', 'failed', 'stopped'] },
                  },
                },
              },
            },
          },
        },
      },
      JobList: {
        type: 'object',
        required: ['kind', 'items'],
        properties: { kind: { const: 'List' }, items: { type: 'array', items: ref('TrainingJob') } },
      },
      JobLogPage: {
        type: 'object',
        required: ['job', 'replica', 'text', 'offset', 'nextOffset', 'size', 'finished'],
        properties: {
          job: { type: 'string' },
          replica: { type: 'string' },
          text: { type: 'string' },
          offset: { type: 'integer' },
          nextOffset: { type: 'integer' },
          size: { type: 'integer' },
          finished: { type: 'boolean' },
        },
      },
      PushResult: { type: 'object', required: ['accepted'], properties: { accepted: { type: 'integer' } } },
      LogPage: {
        type: 'object',
        required: ['trial', 'text', 'offset', 'nextOffset', 'size', 'finished'],
        properties: {
          trial: { type: 'string' },
          text: { type: 'string' },
          offset: { type: 'integer' },
          nextOffset: { type: 'integer' },
          size: { type: 'integer' },
          finished: { type: 'boolean' },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/v1/openapi.json': {
      get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
    },
    '/v1/experiments': {
      get: op(
        'Experiments of every namespace the token may see',
        { '200': answer('ExperimentList', ref('ExperimentList')) },
        { parameters: [status] },
      ),
    },
    '/v1/namespaces/{namespace}/experiments': {
      parameters: [namespace],
      get: op('Experiments of a namespace', { '200': answer('ExperimentList', ref('ExperimentList')) }, { parameters: [status] }),
      post: op(
        'Create an Experiment and start it',
        { '201': answer('The defaulted Experiment', ref('Experiment')), '409': answer('An experiment of that name exists', ref('Status')) },
        { requestBody: KUBEFLOW_DOCUMENT },
      ),
    },
    '/v1/namespaces/{namespace}/experiments/{name}': {
      parameters: [namespace, name],
      get: op('One Experiment with its status', { '200': answer('Experiment', ref('Experiment')) }),
      patch: op(
        'Change the budget (maxTrialCount, parallelTrialCount, maxFailedTrialCount only)',
        { '200': answer('Experiment', ref('Experiment')), '409': answer('The experiment has ended', ref('Status')) },
        { requestBody: { required: true, content: json(ref('BudgetPatch')) } },
      ),
      delete: op('Delete the experiment, its trials and their observations', { '200': answer('Deleted', ref('Status')) }),
    },
    '/v1/namespaces/{namespace}/experiments/{name}/stop': {
      parameters: [namespace, name],
      post: op('Stop the loop and the running trials; the experiment stays resumable', {
        '200': answer('Experiment', ref('Experiment')),
        '409': answer('The experiment has ended', ref('Status')),
      }),
    },
    '/v1/namespaces/{namespace}/experiments/{name}/resume': {
      parameters: [namespace, name],
      post: op('Continue a stopped (or orphaned) experiment', {
        '200': answer('Experiment', ref('Experiment')),
        '409': answer('The experiment has ended', ref('Status')),
      }),
    },
    '/v1/namespaces/{namespace}/experiments/{name}/trials': {
      parameters: [namespace, name],
      get: op("The experiment's trials with their parameters and metrics", { '200': answer('TrialList', ref('TrialList')) }),
    },
    '/v1/namespaces/{namespace}/trials/{name}': {
      parameters: [namespace, name],
      get: op('One Trial', { '200': answer('Trial', ref('Trial')) }),
    },
    '/v1/namespaces/{namespace}/trials/{name}/observations': {
      parameters: [namespace, name],
      get: op("The trial's observation log (Katib's GetObservationLog)", { '200': answer('ObservationLog', ref('ObservationLog')) }),
      post: op(
        "Push observations (Katib's report_metrics); takes the trial's own TUNESTEP_TRIAL_TOKEN",
        { '201': answer('Stored', ref('PushResult')), '409': answer('The trial has ended', ref('Status')) },
        { requestBody: { required: true, content: json(ref('Push')) } },
      ),
    },
    '/v1/jobs': { get: op('Training jobs of every namespace the token may see', { '200': answer('List', ref('JobList')) }) },
    '/v1/namespaces/{namespace}/jobs': {
      parameters: [namespace],
      get: op('Training jobs of a namespace', { '200': answer('List', ref('JobList')) }),
      post: op(
        'Create a PyTorchJob, TFJob, MPIJob, XGBoostJob, JAXJob or batch Job and run it',
        { '201': answer('The defaulted job', ref('TrainingJob')), '409': answer('A job of that name exists', ref('Status')) },
        { requestBody: KUBEFLOW_DOCUMENT },
      ),
    },
    '/v1/namespaces/{namespace}/jobs/{name}': {
      parameters: [namespace, name],
      get: op('One training job with its conditions and replicas', { '200': answer('TrainingJob', ref('TrainingJob')) }),
      delete: op('Stop the job if it runs, and delete it', { '200': answer('Deleted', ref('Status')) }),
    },
    '/v1/namespaces/{namespace}/jobs/{name}/logs': {
      parameters: [namespace, name],
      get: op(
        "A page of one replica's output",
        { '200': answer('JobLogPage', ref('JobLogPage')) },
        {
          parameters: [
            {
              name: 'replica',
              in: 'query',
              description: 'master-0, worker-1, ... (default: the first replica)',
              schema: { type: 'string' },
            },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 1048576 } },
          ],
        },
      ),
    },
    '/v1/namespaces/{namespace}/trials/{name}/logs': {
      parameters: [namespace, name],
      get: op(
        "A page of the trial's output",
        { '200': answer('LogPage', ref('LogPage')) },
        {
          parameters: [
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 1048576 } },
          ],
        },
      ),
    },
  },
};
