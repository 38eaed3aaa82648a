// A run's lines before its logger exists (log/later-log.ts): kept in order, handed on when the real one is attached.
import { describe, expect, test } from 'vitest';
import type { Log } from '../../src/core/log.js';
import { laterLog } from '../../src/log/later-log.js';

function recording(): { log: Log; lines: unknown[][]; flushes: number } {
  const lines: unknown[][] = [];
  const out = { lines, flushes: 0, log: undefined as unknown as Log };
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push([level, ...args]);
  out.log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), flush: () => out.flushes++ };
  return out;
}

describe('laterLog', () => {
  test('keeps every call until attach, hands them on in order, then passes each on at once', () => {
    const later = laterLog();
    later.log.info('first');
    later.log.warn({ event: 'x' }, 'second');
    later.log.flush(); // nothing to flush yet: no real logger
    later.log.debug('third');
    const real = recording();
    later.attach(real.log);
    expect(real.lines).toEqual([
      ['info', 'first'],
      ['warn', { event: 'x' }, 'second'],
      ['debug', 'third'],
    ]);
    expect(real.flushes).toBe(0);
    later.log.error('fourth');
    later.log.flush();
    expect(real.lines.at(-1)).toEqual(['error', 'fourth']);
    expect(real.flushes).toBe(1);
  });

  test('a second attach is refused: no line could go to two loggers', () => {
    const later = laterLog();
    later.attach(recording().log);
    expect(() => later.attach(recording().log)).toThrow(/attached already/);
  });
});
