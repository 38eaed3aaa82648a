// The console's parts that wait for the first agent's spawn (log/terminal-later.ts, log/console-hold.ts):
// nothing they are given before is lost or reordered, and nothing of the terminal is made when the run ends first.
import { describe, expect, test } from 'vitest';
import type { SessionEvent } from '../../src/loop/ports.js';
import { consoleHold } from '../../src/log/console-hold.js';
import type { Terminal } from '../../src/log/status-line.js';
import { terminalLater, waitingLater } from '../../src/log/terminal-later.js';
import type { WaitingPrinter } from '../../src/log/waiting-printout.js';
import { fakeState } from '../helpers/fake-state.js';

/** A terminal that notes what it is given. */
function notingTerminal(seen: string[]): Terminal {
  return {
    print: (text) => seen.push(`print ${text}`),
    around: (write) => write(),
    action: (text) => seen.push(`action ${text}`),
    notifier: { notify: (event) => seen.push(`event ${event.type}`) },
    close: () => seen.push('close'),
  };
}

const event = (type: 'resumed' | 'waiting'): SessionEvent =>
  type === 'resumed' ? { type, state: fakeState(), how: 'run again' } : { type, state: fakeState() };

describe('consoleHold', () => {
  test('what is written before the release goes out then, in order; after it, at once', () => {
    const out: string[] = [];
    const hold = consoleHold();
    hold.later(() => out.push('a'));
    hold.later(() => out.push('b'));
    expect(out).toEqual([]);
    hold.release();
    expect(out).toEqual(['a', 'b']);
    hold.later(() => out.push('c'));
    hold.release();
    expect(out).toEqual(['a', 'b', 'c']);
  });
});

describe('terminalLater', () => {
  test('lines go straight out until it starts; the events and the last action wait for the terminal, in order', async () => {
    const seen: string[] = [];
    const written: string[] = [];
    const later = terminalLater(
      async () => notingTerminal(seen),
      (text) => written.push(text),
    );
    later.print('line 1\n');
    later.notifier.notify(event('resumed'));
    later.action('Read a.ts');
    later.action('Edit a.ts');
    expect([seen, written]).toEqual([[], ['line 1\n']]);
    await later.start();
    await later.start(); // once
    later.print('line 2\n');
    later.close();
    expect(seen).toEqual(['event resumed', 'action Edit a.ts', 'print line 2\n', 'close']);
  });

  test('closed before it loads: the terminal made is closed at once and told nothing; a failed load leaves plain lines', async () => {
    const seen: string[] = [];
    const later = terminalLater(
      async () => notingTerminal(seen),
      () => undefined,
    );
    later.notifier.notify(event('resumed'));
    later.close();
    await later.start();
    expect(seen).toEqual(['close']);
    const written: string[] = [];
    const broken = terminalLater(
      () => Promise.reject(new Error('no')),
      (text) => written.push(text),
    );
    await broken.start();
    broken.print('still\n');
    expect(written).toEqual(['still\n']);
  });
});

describe('waitingLater', () => {
  function notingPrinter(shown: string[]): WaitingPrinter {
    const chain = Promise.resolve();
    return {
      notifier: { notify: (e) => e.type === 'waiting' && shown.push(`wait ${e.state.phase}`) },
      show: async (state) => void shown.push(`show ${state.phase}`),
      settled: () => chain,
    };
  }

  test('a wait before it is started loads it and is printed; settled waits for that; other events are not kept', async () => {
    const shown: string[] = [];
    let loads = 0;
    const later = waitingLater(async () => (loads++, notingPrinter(shown)));
    await later.settled(); // nothing asked yet
    later.notifier.notify(event('resumed'));
    expect(loads).toBe(0);
    later.notifier.notify(event('waiting'));
    await later.settled();
    expect(shown).toEqual(['wait investigation']);
    await later.start();
    await later.show(fakeState());
    expect([loads, shown]).toEqual([1, ['wait investigation', 'show investigation']]);
  });
});
