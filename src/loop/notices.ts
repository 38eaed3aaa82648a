// The loop's events on their way to the listeners (console, session.log, Telegram, the status line). The end of an
// iteration that goes on and the start of the next are told once the next agent runs: that is bookkeeping, not a
// decision, and the pino lines it writes cost ~0.1 ms each on the path between two agents. Every other event first
// delivers what waits, so the listeners always hear the events in the order they happened.
import type { Notifier, SessionEvent } from './ports.js';

export interface Notices extends Notifier {
  /** Tell `event` with the next flush (at the latest with the next event told at once). */
  later(event: SessionEvent): void;
  /** Deliver what waits, in order. */
  flush(): void;
}

export function notices(to: Notifier): Notices {
  const waiting: SessionEvent[] = [];
  const flush = () => {
    for (const event of waiting.splice(0)) to.notify(event);
  };
  return {
    later: (event) => void waiting.push(event),
    flush,
    notify(event) {
      flush();
      to.notify(event);
    },
  };
}
