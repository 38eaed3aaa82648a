// The terminal of `orchestrate run` on a TTY: the log lines scroll as before, and below them one status line for the
// iteration under way (core/status-line.ts renders it) is redrawn in place. Every log line erases the status line,
// prints, and draws it again in the same write, so a line is never left half-drawn between the two; the status line
// is erased for good when the iteration ends, the session waits, and at exit (Ctrl-C too).
import type { Notifier, SessionEvent } from '../loop/ports.js';
import { renderStatus, type StatusModel } from '../core/status-line.js';
import type { LogFormat } from '../core/config.js';

export interface TerminalOptions {
  /** Writes to the terminal (stderr), synchronously. */
  write: (text: string) => void;
  /** The terminal's width now (it may be resized). */
  columns: () => number;
  color: boolean;
  /** Draw the live status line (not with --quiet). */
  live: boolean;
  now: () => number;
  /** Calls the listener when the terminal is resized; returns how to stop. */
  onResize?: ((listener: () => void) => () => void) | undefined;
}

export interface Terminal {
  /** Where the logger's readable lines go: printed above the status line. */
  print(text: string): void;
  /** Anyone else's write to the terminal (the Ctrl-C notice, a storage warning): the status line makes way for it. */
  around<T>(write: () => T): T;
  /** The agent's latest action (its console line's text). */
  action(text: string): void;
  /** The loop's events move the status line: an iteration starts, retries, ends; the session waits or ends. */
  notifier: Notifier;
  /** Erase the status line and stop redrawing. Idempotent; the terminal still prints lines afterwards. */
  close(): void;
}

/** ESC [2K erases the whole line; the carriage return puts the cursor back at its start. */
const ERASE = '\r\u001b[2K';
/** A redraw for a new action waits at least this long after the last one: a few redraws a second at most. */
const MIN_REDRAW_MS = 250;
/** The elapsed time ticks by the second. */
const TICK_MS = 1000;

export function createTerminal(opts: TerminalOptions): Terminal {
  let model: StatusModel | undefined;
  /** What is on the screen below the last log line, if anything. */
  let shown = '';
  let lastDraw = 0;
  let pending: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let closed = false;

  const render = () =>
    model && opts.live && !closed
      ? renderStatus(model, { nowMs: opts.now(), columns: opts.columns(), color: opts.color })
      : '';
  const draw = () => {
    if (pending) clearTimeout(pending);
    pending = undefined;
    const next = render();
    lastDraw = opts.now();
    if (next === shown) return;
    opts.write(`${shown ? ERASE : ''}${next}`);
    shown = next;
  };
  const soon = () => {
    if (!opts.live || closed || pending) return;
    const wait = MIN_REDRAW_MS - (opts.now() - lastDraw);
    if (wait <= 0) draw();
    else pending = unref(setTimeout(draw, wait));
  };
  const setModel = (next: StatusModel | undefined) => {
    model = next;
    if (next && opts.live && !closed) ticker ??= unref(setInterval(draw, TICK_MS));
    if (!next) {
      stopTimers();
      draw();
    } else soon();
  };
  const stopTimers = () => {
    if (pending) clearTimeout(pending);
    if (ticker) clearInterval(ticker);
    pending = ticker = undefined;
  };
  const onResize = () => {
    // The old line may have wrapped at the new width: erase what the cursor's line holds and draw it again.
    if (shown) opts.write(ERASE);
    shown = '';
    draw();
  };
  const stopResize = opts.live ? opts.onResize?.(onResize) : undefined;

  const notifier: Notifier = {
    notify(event: SessionEvent) {
      switch (event.type) {
        case 'iteration-start':
          setModel({
            phase: event.state.phase,
            iteration: event.iteration,
            attempt: event.attempt,
            // A new attempt of the same iteration keeps the iteration's clock.
            startedMs: model?.iteration === event.iteration ? model.startedMs : opts.now(),
            costUsd: event.state.totals.costUsd > 0 ? event.state.totals.costUsd : undefined,
            costEstimated: event.state.totals.costEstimated,
          });
          return;
        case 'retry':
          if (model) setModel({ ...model, note: event.why, action: undefined });
          return;
        case 'corrective':
          return;
        default:
          // The iteration ended, or the session waits, is blocked, done or interrupted: no live line until the next.
          setModel(undefined);
      }
    },
  };

  return {
    print(text) {
      if (!shown) {
        opts.write(text);
        return;
      }
      const next = render();
      opts.write(`${ERASE}${text}${next}`);
      shown = next;
    },
    around(write) {
      if (!shown) return write();
      opts.write(ERASE);
      shown = '';
      const result = write();
      draw();
      return result;
    },
    action(text) {
      if (!model) return;
      model = { ...model, action: text, note: undefined };
      soon();
    },
    notifier,
    close() {
      if (closed) return;
      closed = true;
      stopTimers();
      stopResize?.();
      if (shown) opts.write(ERASE);
      shown = '';
    },
  };
}

function unref<T extends NodeJS.Timeout>(timer: T): T {
  timer.unref();
  return timer;
}

/**
 * The terminal when stderr is a TTY and shows readable lines (not --log-format json); undefined otherwise, and the
 * lines go out plain, as they always have. `--quiet` and TERM=dumb: no status line. NO_COLOR: no colour.
 */
export function terminalFor(opts: { format: LogFormat; quiet: boolean; env: NodeJS.ProcessEnv }): Terminal | undefined {
  const stderr = process.stderr;
  if (opts.format === 'json' || stderr.isTTY !== true) return undefined;
  const original = stderr.write;
  const write = original.bind(stderr);
  const terminal = createTerminal({
    write: (text) => write(text),
    columns: () => stderr.columns || 80,
    color: !opts.env.NO_COLOR,
    live: !opts.quiet && opts.env.TERM !== 'dumb',
    now: Date.now,
    onResize: (listener) => {
      stderr.on('resize', listener);
      return () => stderr.off('resize', listener);
    },
  });
  if (!opts.quiet) {
    // Whoever else writes to stderr while the line shows (io/shutdown.ts's Ctrl-C notice, a storage warning) would
    // leave it behind, half-overwritten: every write goes round it until the terminal closes.
    stderr.write = ((...args: Parameters<typeof stderr.write>) =>
      terminal.around(() => write(...args))) as typeof stderr.write;
    const close = terminal.close;
    terminal.close = () => {
      stderr.write = original;
      close();
    };
  }
  return terminal;
}
