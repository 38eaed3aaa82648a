// The terminal (log/status-line.ts): log lines scroll above one status line that is erased and drawn again in the
// same write, redrawn a few times a second at most, and gone when the iteration ends, the session waits, or the run
// exits. Driven with fake timers and a recorded write: what reaches the terminal, write by write.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createTerminal, type Terminal } from '../../src/log/status-line.js';
import type { SessionEvent } from '../../src/loop/ports.js';
import { fakeState } from '../helpers/fake-state.js';

const ERASE = '\r\u001b[2K';
let writes: string[];
let now: number;

beforeEach(() => {
  vi.useFakeTimers();
  writes = [];
  now = 1_000_000;
});
afterEach(() => {
  vi.useRealTimers();
});

function terminal(live = true, columns = 80): Terminal {
  return createTerminal({
    write: (text) => writes.push(text),
    columns: () => columns,
    color: false,
    live,
    now: () => now,
  });
}
const start = (iteration = 1, attempt = 1): SessionEvent => ({
  type: 'iteration-start',
  state: fakeState({ phase: 'implementation' }),
  iteration,
  attempt,
});
const advance = (ms: number) => {
  now += ms;
  vi.advanceTimersByTime(ms);
};

describe('the status line on a terminal', () => {
  test('drawn when an iteration starts; each log line erases it, prints, and draws it again in one write', () => {
    const t = terminal();
    t.print('[10:00:00] INFO: before\n');
    t.notifier.notify(start(3));
    expect(writes).toEqual(['[10:00:00] INFO: before\n', '▸ #3 impl · 0:00']);
    t.print('[10:00:01] INFO: #3 impl  Bash ls\n');
    expect(writes.at(-1)).toBe(`${ERASE}[10:00:01] INFO: #3 impl  Bash ls\n▸ #3 impl · 0:00`);
  });

  test('the elapsed time ticks; a burst of actions redraws a few times a second at most', () => {
    const t = terminal();
    t.notifier.notify(start());
    writes = [];
    advance(1000);
    expect(writes).toEqual([`${ERASE}▸ #1 impl · 0:01`]);
    writes = [];
    for (let i = 0; i < 100; i++) {
      t.action(`Read file-${i}.ts`);
      advance(10);
    }
    // 100 actions in one second: four redraws for them (one per 250 ms), plus the tick.
    expect(writes.length).toBeLessThanOrEqual(6);
    expect(writes.length).toBeGreaterThanOrEqual(3);
    advance(300);
    expect(writes.at(-1)).toBe(`${ERASE}▸ #1 impl · 0:02 · Read file-99.ts`);
  });

  test('erased when the iteration ends, the session waits or the run is interrupted; nothing redraws after', () => {
    for (const type of ['iteration-end', 'waiting', 'interrupted'] as const) {
      writes = [];
      const t = terminal();
      t.notifier.notify(start());
      t.notifier.notify({ type, state: fakeState() } as SessionEvent);
      expect(writes).toEqual(['▸ #1 impl · 0:00', ERASE]);
      advance(5000);
      t.print('line\n');
      expect(writes.at(-1), type).toBe('line\n');
    }
  });

  test('close (exit, Ctrl-C) erases it once; lines still print, plain', () => {
    const t = terminal();
    t.notifier.notify(start());
    t.close();
    t.close();
    expect(writes).toEqual(['▸ #1 impl · 0:00', ERASE]);
    t.notifier.notify(start(2));
    t.action('Bash ls');
    advance(3000);
    t.print('the last words\n');
    expect(writes.slice(2)).toEqual(['the last words\n']);
  });

  test('a retry shows what it waits for; a new attempt keeps the iteration clock', () => {
    const t = terminal();
    t.notifier.notify(start(4));
    t.action('Bash npm test');
    advance(5000);
    t.notifier.notify({
      type: 'retry',
      state: fakeState(),
      iteration: 4,
      attempt: 1,
      delayMs: 30_000,
      why: 'rate limited',
    });
    advance(300);
    expect(writes.at(-1)).toBe(`${ERASE}▸ #4 impl · 0:05 · rate limited`);
    t.notifier.notify(start(4, 2));
    advance(300);
    expect(writes.at(-1)).toBe(`${ERASE}▸ #4 impl (attempt 2) · 0:05`);
  });

  test("someone else's write goes round it: erased first, drawn again after", () => {
    const t = terminal();
    t.notifier.notify(start());
    writes = [];
    const result = t.around(() => (writes.push('\nSIGINT: stopping\n'), 42));
    expect(result).toBe(42);
    expect(writes).toEqual([ERASE, '\nSIGINT: stopping\n', '▸ #1 impl · 0:00']);
    t.notifier.notify({ type: 'iteration-end', state: fakeState() } as SessionEvent);
    writes = [];
    t.around(() => writes.push('plain\n'));
    expect(writes).toEqual(['plain\n']);
  });

  test('--quiet (not live): no status line ever, lines print as they come', () => {
    const t = terminal(false);
    t.notifier.notify(start());
    t.action('Bash ls');
    advance(5000);
    t.print('WARN: something\n');
    t.close();
    expect(writes).toEqual(['WARN: something\n']);
  });
});
