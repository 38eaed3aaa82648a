// The console's lines of a run's start, held until its first agent runs (log/logger.ts writes through it).

/**
 * Console lines held back until `release`, then written in their order. A run holds what it tells before its first
 * agent spawn: loading pino-pretty and making its first line took ~30 ms of that way (session.log gets every line
 * at once; only the console waits, for milliseconds, or until the hold's own deadline).
 */
export interface ConsoleHold {
  /** `write` now if released, else when released. */
  later(write: () => void): void;
  release(): void;
}

export function consoleHold(): ConsoleHold {
  let held: (() => void)[] | undefined = [];
  return {
    later(write) {
      if (held) held.push(write);
      else write();
    },
    release() {
      const writes = held;
      held = undefined;
      for (const write of writes ?? []) write();
    },
  };
}
