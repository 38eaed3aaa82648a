// On a terminal, the status line (log/status-line.ts) is set up once the first agent runs, not on the way there: its
// width measure (string-width builds an Intl.Segmenter and Unicode property expressions when it loads) took 20–55 ms
// of a start. Until then this stands in for it: lines go straight to stderr (no status line is drawn yet), the loop's
// events and the agent's latest action wait and are handed over in order, and a close before the load means none
// is made.
import type { Notifier, SessionEvent } from '../loop/ports.js';
import type { Terminal } from './status-line.js';
import type { WaitingPrinter } from './waiting-printout.js';

export interface TerminalLater {
  print(text: string): void;
  action(text: string): void;
  notifier: Notifier;
  close(): void;
  /** Load and set up the terminal (once); what waited goes to it. */
  start(): Promise<void>;
}

export function terminalLater(
  load: () => Promise<Terminal | undefined>,
  write: (text: string) => void = (text) => process.stderr.write(text),
): TerminalLater {
  let terminal: Terminal | undefined;
  let closed = false;
  let started: Promise<void> | undefined;
  const events: SessionEvent[] = [];
  let lastAction: string | undefined;
  return {
    print(text) {
      if (terminal) terminal.print(text);
      else write(text);
    },
    action(text) {
      if (terminal) terminal.action(text);
      else lastAction = text;
    },
    notifier: {
      notify(event) {
        if (terminal) terminal.notifier.notify(event);
        else if (!closed) events.push(event);
      },
    },
    close() {
      closed = true;
      terminal?.close();
    },
    start() {
      // A terminal that cannot be set up leaves the plain lines, as when stderr is no terminal.
      started ??= load()
        .catch(() => undefined)
        .then((loaded) => {
          // Closed meanwhile: the run is ending, and the new terminal would only hook stderr's writes.
          if (closed) return loaded?.close();
          terminal = loaded;
          for (const event of events.splice(0)) loaded?.notifier.notify(event);
          if (lastAction !== undefined) loaded?.action(lastAction);
        });
      return started;
    },
  };
}

/**
 * The same for what a wait prints (log/waiting-printout.ts, which measures widths with string-width too): loaded at
 * `start`, or by the first wait that comes before; waits that come while it loads are printed once it has.
 */
export function waitingLater(load: () => Promise<WaitingPrinter>): WaitingPrinter & { start(): Promise<void> } {
  let printer: WaitingPrinter | undefined;
  let loading: Promise<WaitingPrinter> | undefined;
  const events: SessionEvent[] = [];
  const start = () =>
    (loading ??= load().then((loaded) => {
      printer = loaded;
      for (const event of events.splice(0)) loaded.notifier.notify(event);
      return loaded;
    }));
  return {
    notifier: {
      notify(event) {
        if (printer) printer.notifier.notify(event);
        else if (event.type === 'waiting') {
          events.push(event);
          start().catch(() => undefined); // the printout is left out, as when one fails (waiting-printout.ts)
        }
      },
    },
    show: async (state) => (await start()).show(state),
    settled: async () => (loading ? (await loading).settled() : undefined),
    start: () =>
      start().then(
        () => undefined,
        () => undefined,
      ),
  };
}
