/** One page of a trial's or replica's output. */
export interface LogPage {
  text: string;
  /** Byte offset this page starts at, and where the next one does. */
  offset: number;
  nextOffset: number;
  /** Bytes written so far; `nextOffset === size` means the page reached the end of what is there. */
  size: number;
}

/** Reads trial and job output (local files; CloudWatch Logs on AWS), page by page. */
export interface LogReader {
  /** Up to `limit` bytes of a trial's output from byte `offset`; undefined when the trial wrote nothing. */
  readTrial(namespace: string, trial: string, offset: number, limit: number): Promise<LogPage | undefined>;
  /** The same for one replica (`master-0`, `worker-1`, ...) of a training job. */
  readJob(namespace: string, job: string, replica: string, offset: number, limit: number): Promise<LogPage | undefined>;
}
