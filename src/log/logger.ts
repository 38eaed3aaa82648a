// pino: JSON lines into `<session>/session.log` (everything, for later reading), and for the person at the terminal
// either readable lines (pino-pretty, loaded with the first line the console shows) on stderr, or JSON lines on
// stdout (--log-format json). Every line is scrubbed of secrets (core/secrets.ts) before it is written.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import type { LogFormat } from '../core/config.js';
import { openSessionLog } from '../io/session-log-file.js';
import { isTerminal } from '../io/terminal-fd.js';
import { tolerantLogStream } from '../io/storage-failure.js';
import { withoutControls } from '../core/agent-text.js';
import type { ConsoleHold } from './console-hold.js';

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  /** Console shows warnings and errors only. */
  quiet: boolean;
  sessionLog?: string | undefined;
  /** `sessionLog` opened already (openSessionLog): a run opens it before its first spawn, the logger is made after. */
  sessionLogFd?: number | undefined;
  scrub: (text: string) => string;
  /** The terminal's printer (log/status-line.ts) on a TTY: readable lines go through it, above the status line. */
  terminal?: ((text: string) => void) | undefined;
  /** Readable console lines wait for this to be released (see consoleHold); absent: they go out as they come. */
  hold?: ConsoleHold | undefined;
}

export function createLogger(opts: LoggerOptions): Logger {
  const consoleLevel = opts.quiet ? 'warn' : opts.level;
  const streams: pino.StreamEntry[] = [];
  if (opts.format === 'json') {
    streams.push({ level: consoleLevel as pino.Level, stream: pino.destination({ dest: 1, sync: true }) });
  } else {
    // Not process.stderr.isTTY: that stream would be set up for this question alone (the lines go to fd 2 through
    // pino-pretty).
    const colorize = !process.env.NO_COLOR && isTerminal(2);
    streams.push({
      level: consoleLevel as pino.Level,
      stream: lazyPretty(
        {
          destination: 2,
          sync: true,
          colorize,
          hideObject: true,
          ignore: 'pid,hostname',
          translateTime: 'HH:MM:ss',
          ...(colorize ? { messageFormat: failuresInRed } : {}),
        },
        opts.terminal,
        opts.hold,
      ),
    });
  }
  if (opts.sessionLog) {
    const fd = opts.sessionLogFd ?? openSessionLog(opts.sessionLog);
    const file = pino.destination({ dest: fd, sync: true });
    streams.push({ level: 'debug', stream: tolerantLogStream(file, opts.sessionLog) });
  }
  return pino(
    {
      level: lowest(opts.level, opts.sessionLog ? 'debug' : opts.level),
      base: { pid: process.pid },
      hooks: { streamWrite: opts.scrub },
    },
    pino.multistream(streams),
  );
}

/**
 * pino-pretty required with the first line the console shows: with --quiet, a run that warns of nothing never loads
 * it. Synchronous (require), so no line waits or is lost; from one bundled file (pretty-bundle.cjs), not its ~40
 * modules. With a `terminal`, pino-pretty only formats (its stream form would hand lines on asynchronously) and the
 * terminal prints.
 */
function lazyPretty(
  options: PrettyOptions,
  terminal: ((text: string) => void) | undefined,
  hold: ConsoleHold | undefined,
): pino.DestinationStream {
  let write: ((line: string) => void) | undefined;
  const out = (line: string) => {
    if (!write) {
      const pretty = createRequire(import.meta.url)('./pretty-bundle.cjs') as PinoPretty;
      if (terminal) {
        const format = pretty.prettyFactory(options);
        write = (l) => terminal(format(l));
      } else {
        const stream = pretty(options);
        write = (l) => stream.write(l);
      }
    }
    write(line);
  };
  return { write: hold ? (line: string) => hold.later(() => out(line)) : out };
}

type PinoPretty = ((o: PrettyOptions) => pino.DestinationStream) & {
  prettyFactory: (o: PrettyOptions) => (line: string) => string;
};

/** A failed tool call (`✗ …`) and an error are red on a colour terminal: failures never look like the rest. */
const failuresInRed: PrettyOptions['messageFormat'] = (log, messageKey, _level, extras) => {
  const message = withoutControls(String(log[messageKey] ?? ''));
  return log.failed === true || Number(log.level) >= 50 ? extras.colors.red(message) : message;
};

function lowest(a: string, b: string): string {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  return order.indexOf(a) <= order.indexOf(b) ? a : b;
}
