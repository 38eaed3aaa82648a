// pino: JSON lines into `<session>/session.log` (everything, for later reading), and for the person at the terminal
// either readable lines (pino-pretty, loaded with the first line the console shows) on stderr, or JSON lines on
// stdout (--log-format json). Every line is scrubbed of secrets (core/secrets.ts) before it is written.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import type { LogFormat } from '../core/config.js';
import { tolerantLogStream } from '../io/storage-failure.js';

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  /** Console shows warnings and errors only. */
  quiet: boolean;
  sessionLog?: string | undefined;
  scrub: (text: string) => string;
}

export async function createLogger(opts: LoggerOptions): Promise<Logger> {
  const consoleLevel = opts.quiet ? 'warn' : opts.level;
  const streams: pino.StreamEntry[] = [];
  if (opts.format === 'json') {
    streams.push({ level: consoleLevel as pino.Level, stream: pino.destination({ dest: 1, sync: true }) });
  } else {
    const colorize = !process.env.NO_COLOR && process.stderr.isTTY === true;
    streams.push({
      level: consoleLevel as pino.Level,
      stream: lazyPretty({
        destination: 2,
        sync: true,
        colorize,
        hideObject: true,
        ignore: 'pid,hostname',
        translateTime: 'HH:MM:ss',
      }),
    });
  }
  if (opts.sessionLog) {
    const file = pino.destination({ dest: opts.sessionLog, append: true, sync: true, mkdir: true });
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
 * pino-pretty (and its ~15 CommonJS modules) required with the first line the console shows: with --quiet, a run that
 * warns of nothing never loads it. Synchronous (require), so no line waits or is lost.
 */
function lazyPretty(options: PrettyOptions): pino.DestinationStream {
  let pretty: pino.DestinationStream | undefined;
  return {
    write(line: string) {
      if (!pretty) {
        const load = createRequire(import.meta.url)('pino-pretty') as (o: PrettyOptions) => pino.DestinationStream;
        pretty = load(options);
      }
      pretty.write(line);
    },
  };
}

function lowest(a: string, b: string): string {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  return order.indexOf(a) <= order.indexOf(b) ? a : b;
}
