import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, ConflictError } from '../errors.js';
import {
  type ExperimentRecord,
  type LogStreamRecord,
  type ObservationRecord,
  TRIAL_SUMMARY_FIELDS,
  type TrialRecord,
  type TrialStreamRecord,
  type TrialSummary,
} from '../experiment/records.js';
import type { ExperimentStore } from '../ports/experiment-store.js';
import type { JobRecord } from '../training/job-record.js';

/** BatchWriteItem takes at most 25 requests (a DynamoDB limit, kept by dynalite too). */
const BATCH_LIMIT = 25;
const SEQ_WIDTH = 10;

const experimentKey = (ns: string, name: string) => ({ PK: `NS#${ns}`, SK: `EXP#${name}` });
const jobKey = (ns: string, name: string) => ({ PK: `NS#${ns}`, SK: `JOB#${name}` });
const streamKey = (group: string, stream: string) => ({ PK: `STREAM#${group}`, SK: stream });
const trialStreamKey = (r: TrialStreamRecord) => ({
  PK: `TRIALSTREAMS#${r.namespace}/${r.trial}`,
  SK: `${String(r.rank).padStart(6, '0')}#${r.logStream}`,
});
const SLOT_WIDTH = 10;
/** Trials sort by slot, so that the trials from a slot on are one range query. */
const trialSk = (index: number) => `TRIAL#${String(index).padStart(SLOT_WIDTH, '0')}`;
const trialKey = (ns: string, exp: string, index: number) => ({ PK: `EXP#${ns}/${exp}`, SK: trialSk(index) });
const observationPk = (ns: string, trial: string) => `TRIAL#${ns}/${trial}`;

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { PK: _pk, SK: _sk, ...rest } = item;
  return rest as T;
}

/**
 * The store on one DynamoDB table (DESIGN section 3): experiments (`EXP#<name>`) and training jobs
 * (`JOB#<name>`) under `NS#<ns>`, CloudWatch Logs streams of trials under `STREAM#<log group>`, trials under
 * `EXP#<ns>/<name>`, observations under `TRIAL#<ns>/<trial>` with `OBS#<seq>` sort keys (the sequence
 * number orders the log and makes a retried batch overwrite instead of duplicate). Single-item
 * conditional writes only; optimistic locking on `version`.
 */
export class DynamoDbExperimentStore implements ExperimentStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * Creates the table when it does not exist (local mode; on AWS the CDK stack owns it), and waits until
   * it is ACTIVE: writes to a table still CREATING fail with ResourceNotFoundException.
   */
  static async ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      try {
        const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
        if (out.Table?.TableStatus === 'ACTIVE') return;
        await new Promise((r) => setTimeout(r, 20));
        continue;
      } catch (e) {
        if (!(e instanceof ResourceNotFoundException)) throw e;
      }
      await DynamoDbExperimentStore.createTable(client, tableName);
    }
    throw new Error(`table ${tableName} did not become ACTIVE`);
  }

  private static async createTable(client: DynamoDBClient, tableName: string): Promise<void> {
    await client
      .send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'PK', AttributeType: 'S' },
            { AttributeName: 'SK', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'PK', KeyType: 'HASH' },
            { AttributeName: 'SK', KeyType: 'RANGE' },
          ],
        }),
      )
      .catch((e: Error) => {
        // Another process created it first.
        if (e.name !== 'ResourceInUseException') throw e;
      });
  }

  async createExperiment(record: ExperimentRecord): Promise<void> {
    await this.putNew(
      { ...experimentKey(record.namespace, record.name), ...record },
      () => new AlreadyExistsError(`experiment ${record.namespace}/${record.name} already exists`),
    );
  }

  async getExperiment(namespace: string, name: string): Promise<ExperimentRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: experimentKey(namespace, name),
        ConsistentRead: true,
      }),
    );
    return strip<ExperimentRecord>(out.Item);
  }

  async listExperiments(namespace?: string): Promise<ExperimentRecord[]> {
    return this.listNamed<ExperimentRecord>('EXP#', namespace);
  }

  async updateExperiment(record: ExperimentRecord): Promise<ExperimentRecord> {
    return this.updateNamed(experimentKey(record.namespace, record.name), record, 'experiment');
  }

  /** Experiments or jobs (by their sort-key prefix) of one namespace, or of every namespace, by name. */
  private async listNamed<T extends { namespace: string; name: string }>(prefix: 'EXP#' | 'JOB#', namespace?: string): Promise<T[]> {
    const items =
      namespace === undefined
        ? await this.scanAll('begins_with(SK, :p) AND begins_with(PK, :ns)', { ':p': prefix, ':ns': 'NS#' })
        : await this.queryAll({
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
            ExpressionAttributeValues: { ':pk': `NS#${namespace}`, ':p': prefix },
          });
    return items.map((i) => strip<T>(i)!).sort((a, b) => (a.namespace + a.name).localeCompare(b.namespace + b.name));
  }

  /** Writes the next version of an experiment or job, if nobody wrote one since `record.version`. */
  private async updateNamed<T extends { namespace: string; name: string; version: number }>(
    itemKey: Record<string, string>,
    record: T,
    kind: string,
  ): Promise<T> {
    const next = { ...record, version: record.version + 1 };
    await this.putVersioned(
      { ...itemKey, ...next },
      record.version,
      () => new ConflictError(`${kind} ${record.namespace}/${record.name} changed since version ${record.version}`),
    );
    return next;
  }

  async deleteExperiment(namespace: string, name: string): Promise<void> {
    const trials = await this.listTrials(namespace, name);
    for (const t of trials) await this.deleteObservations(namespace, t.name);
    await this.batchDelete(trials.map((t) => trialKey(namespace, name, t.index)));
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: experimentKey(namespace, name) }));
  }

  async createTrial(record: TrialRecord): Promise<void> {
    await this.putNew(
      { ...trialKey(record.namespace, record.experiment, record.index), ...record },
      () => new AlreadyExistsError(`trial ${record.namespace}/${record.name} already exists`),
    );
  }

  async getTrial(namespace: string, experiment: string, index: number): Promise<TrialRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: trialKey(namespace, experiment, index),
        ConsistentRead: true,
      }),
    );
    return strip<TrialRecord>(out.Item);
  }

  async listTrials(namespace: string, experiment: string): Promise<TrialRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': `EXP#${namespace}/${experiment}`, ':p': 'TRIAL#' },
    });
    return items.map((i) => strip<TrialRecord>(i)!).sort((a, b) => a.index - b.index);
  }

  async listTrialSummaries(namespace: string, experiment: string, fromIndex = 0): Promise<TrialSummary[]> {
    // Most of these names are DynamoDB reserved words: project them through placeholders.
    const names = Object.fromEntries(TRIAL_SUMMARY_FIELDS.map((f, i) => [`#f${i}`, f]));
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': `EXP#${namespace}/${experiment}`, ':from': trialSk(fromIndex), ':to': 'TRIAL#~' },
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
    });
    return items.map((i) => i as unknown as TrialSummary).sort((a, b) => a.index - b.index);
  }

  async updateTrial(record: TrialRecord): Promise<TrialRecord> {
    const next = { ...record, version: record.version + 1 };
    await this.putVersioned(
      { ...trialKey(record.namespace, record.experiment, record.index), ...next },
      record.version,
      () => new ConflictError(`trial ${record.namespace}/${record.name} changed since version ${record.version}`),
    );
    return next;
  }

  async appendObservations(namespace: string, trial: string, observations: ObservationRecord[], firstSeq: number): Promise<void> {
    const pk = observationPk(namespace, trial);
    const puts = observations.map((o, i) => ({
      PutRequest: { Item: { PK: pk, SK: `OBS#${String(firstSeq + i).padStart(SEQ_WIDTH, '0')}`, ...o } },
    }));
    await this.batchWrite(puts);
  }

  async nextObservationSeq(namespace: string, trial: string): Promise<number> {
    // The newest sort key only: sequence numbers are zero-padded, so they sort as numbers.
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        ExpressionAttributeValues: { ':pk': observationPk(namespace, trial), ':p': 'OBS#' },
        ScanIndexForward: false,
        Limit: 1,
        ProjectionExpression: 'SK',
        ConsistentRead: true,
      }),
    );
    const last = out.Items?.[0]?.SK as string | undefined;
    return last ? Number(last.slice('OBS#'.length)) + 1 : 0;
  }

  async listObservations(namespace: string, trial: string): Promise<ObservationRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': observationPk(namespace, trial), ':p': 'OBS#' },
    });
    return items.map((i) => strip<ObservationRecord>(i)!);
  }

  async deleteObservations(namespace: string, trial: string): Promise<void> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': observationPk(namespace, trial), ':p': 'OBS#' },
      ProjectionExpression: 'PK, SK',
    });
    await this.batchDelete(items.map((i) => ({ PK: i.PK, SK: i.SK })));
  }

  async createJob(record: JobRecord): Promise<void> {
    await this.putNew(
      { ...jobKey(record.namespace, record.name), ...record },
      () => new AlreadyExistsError(`job ${record.namespace}/${record.name} already exists`),
    );
  }

  async getJob(namespace: string, name: string): Promise<JobRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: jobKey(namespace, name), ConsistentRead: true }));
    return strip<JobRecord>(out.Item);
  }

  async listJobs(namespace?: string): Promise<JobRecord[]> {
    return this.listNamed<JobRecord>('JOB#', namespace);
  }

  async updateJob(record: JobRecord): Promise<JobRecord> {
    return this.updateNamed(jobKey(record.namespace, record.name), record, 'job');
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: jobKey(namespace, name) }));
  }

  async getLogStream(logGroup: string, logStream: string): Promise<LogStreamRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: streamKey(logGroup, logStream), ConsistentRead: true }),
    );
    return strip<LogStreamRecord>(out.Item);
  }

  async createLogStream(record: LogStreamRecord): Promise<void> {
    await this.putNew(
      { ...streamKey(record.logGroup, record.logStream), ...record },
      () => new AlreadyExistsError(`log stream ${record.logStream} is known already`),
    );
  }

  async putTrialStream(record: TrialStreamRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...trialStreamKey(record), ...record } }));
  }

  async listTrialStreams(namespace: string, trial: string): Promise<TrialStreamRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `TRIALSTREAMS#${namespace}/${trial}` },
    });
    return items.map((i) => strip<TrialStreamRecord>(i)!);
  }

  private async putNew(item: Record<string, unknown>, onExists: () => Error): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw onExists();
      throw e;
    }
  }

  private async putVersioned(item: Record<string, unknown>, expected: number, onConflict: () => Error): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: '#v = :v',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':v': expected },
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw onConflict();
      throw e;
    }
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    return this.allPages((start) =>
      this.doc.send(new QueryCommand({ ...input, TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start })),
    );
  }

  private scanAll(filter: string, values: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    return this.allPages((start) =>
      this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: filter,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      ),
    );
  }

  /** Follows LastEvaluatedKey until the last page (DynamoDB returns at most 1 MB a call). */
  private async allPages(
    page: (
      start: Record<string, unknown> | undefined,
    ) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await page(start);
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async batchDelete(keys: Record<string, unknown>[]): Promise<void> {
    await this.batchWrite(keys.map((Key) => ({ DeleteRequest: { Key } })));
  }

  /** Writes in chunks of 25, re-sending what DynamoDB leaves unprocessed under throttling. */
  private async batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_LIMIT) {
      // biome-ignore lint/suspicious/noExplicitAny: the document client's request union is wider than we need to spell out
      let pending: any[] = requests.slice(i, i + BATCH_LIMIT);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }
}
