/** Time, as a port, so that the domain stays deterministic in tests. */
export interface Clock {
  /** Now, as an RFC 3339 string. */
  now(): string;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date().toISOString() };
