// pino: JSON lines into `<session>/session.log` (everything, for later reading), and for the person at the terminal
// either readable lines (pino-pretty, loaded only then) on stderr, or JSON lines on stdout (--log-format json).
// Every line is scrubbed of secrets (core/secrets.ts) before it is written.
import pino, { type Logger } from 'pino';
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
    const { default: pretty } = await import('pino-pretty');
    const colorize = !process.env.NO_COLOR && process.stderr.isTTY === true;
    streams.push({
      level: consoleLevel as pino.Level,
      stream: pretty({
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

function lowest(a: string, b: string): string {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  return order.indexOf(a) <= order.indexOf(b) ? a : b;
}
