/** One page of a trial's output. */
export interface LogPage {
  text: string;
  /** Byte offset this page starts at, and where the next one does. */
  offset: number;
  nextOffset: number;
  /** Bytes written so far; `nextOffset === size` means the page reached the end of what is there. */
  size: number;
}

/** Reads a trial's output (local files; CloudWatch Logs on AWS), page by page. */
export interface TrialLogReader {
  /** Up to `limit` bytes from byte `offset`, cut at a line end when one is in the page; undefined when the trial wrote nothing. */
  read(namespace: string, trial: string, offset: number, limit: number): Promise<LogPage | undefined>;
}
