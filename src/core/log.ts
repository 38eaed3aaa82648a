// What samocode's code logs through: the part of pino's Logger it calls (log/logger.ts makes the real one; a run's
// start keeps its lines in a log/later-log.ts one until then). A type only: every room may log.

/** pino's call forms that samocode uses: a message, or an object of fields and a message. */
export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

export interface Log {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** Write out what the streams still hold (pino's flush; a no-op until the real logger is attached). */
  flush(): void;
}
