// A run's real logger (log/logger.ts: pino, its streams, their formatting) is made once its first agent runs: pino's
// ~50 KB of code loaded and run, and the logger built, were ~4 ms of the way to that spawn (marks in a copy of the
// built CLI). Until then `laterLog` keeps what it is told, in order, and hands it on when the real one is attached.
import type { Log, LogFn } from '../core/log.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

export interface LaterLog {
  log: Log;
  /** From now on every call goes to `real`, after the calls kept until now, in their order. Once only. */
  attach(real: Log): void;
}

/**
 * A Log that keeps its calls until a real one is attached. Lines keep their order; pino stamps them with the time
 * they are handed on, at most the few milliseconds to the first agent's spawn (or the console's 250 ms hold) later.
 */
export function laterLog(): LaterLog {
  let kept: [level: Level, args: unknown[]][] | undefined = [];
  let real: Log | undefined;
  const call = (level: Level): LogFn =>
    ((...args: unknown[]) => {
      if (real) (real[level] as (...a: unknown[]) => void)(...args);
      else kept!.push([level, args]);
    }) as LogFn;
  const log: Log = {
    debug: call('debug'),
    info: call('info'),
    warn: call('warn'),
    error: call('error'),
    flush: () => real?.flush(),
  };
  return {
    log,
    attach(logger) {
      if (real) throw new Error('laterLog: a real logger is attached already');
      real = logger;
      const calls = kept!;
      kept = undefined;
      for (const [level, args] of calls) (logger[level] as (...a: unknown[]) => void)(...args);
    },
  };
}
