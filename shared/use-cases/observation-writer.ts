import type { ObservationRecord } from '../experiment/records.js';
import type { ExperimentStore } from '../ports/experiment-store.js';

/** Values per BatchWriteItem call (DynamoDB's limit). */
const BATCH = 25;

/**
 * Buffers a trial's observations and writes them in batches of 25, in order, numbering each so that
 * the log keeps its order and a retried batch overwrites instead of duplicating.
 */
export class ObservationWriter {
  private buffer: ObservationRecord[] = [];
  private seq: number;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ExperimentStore,
    private readonly namespace: string,
    private readonly trial: string,
    firstSeq = 0,
  ) {
    this.seq = firstSeq;
  }

  /** Queues values; a full batch is written at once, in the background, in order. */
  add(observations: ObservationRecord[]): void {
    this.buffer.push(...observations);
    while (this.buffer.length >= BATCH) this.writeBatch(this.buffer.splice(0, BATCH));
  }

  /** Writes whatever is buffered and waits for every write so far. */
  async flush(): Promise<void> {
    if (this.buffer.length > 0) this.writeBatch(this.buffer.splice(0));
    await this.writing;
  }

  private writeBatch(batch: ObservationRecord[]): void {
    const first = this.seq;
    this.seq += batch.length;
    this.writing = this.writing.then(() => this.store.appendObservations(this.namespace, this.trial, batch, first));
  }
}
