// A start folds the entries the state has not applied (a crash after an append, or the state writes a run coalesced
// while its iterations were quick): read from the history's tail, however far back they go, and only when they
// follow on from the state with no gap. Real files in a temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { HistoryEntry } from '../../src/core/state.js';
import { HistoryLog, catchUp } from '../../src/io/history-log.js';
import { fakeState } from '../helpers/fake-state.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A history of budget warnings 1..n (entries that only count: easy to fold), each padded to about `bytes`. */
function historyOf(n: number, bytes = 200): HistoryLog {
  const dir = mkdtempSync(join(tmpdir(), 'samocode-catch-up-'));
  dirs.push(dir);
  const file = join(dir, '_signal_history.jsonl');
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify(entry(i + 1, 'x'.repeat(bytes))));
  writeFileSync(file, lines.length ? `${lines.join('\n')}\n` : '');
  return new HistoryLog(file);
}

function entry(seq: number, pad = ''): HistoryEntry {
  // `note`: padding, a field the fold ignores.
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    phase: 'investigation',
    event: 'budget',
    iteration: seq,
    level: 'warning',
    kind: 'iterations',
    used: seq,
    limit: 100_000,
    ...(pad ? { note: pad } : {}),
  } as HistoryEntry;
}

describe('HistoryLog.entriesAfter and catchUp', () => {
  test('nothing behind: the state is as it was', async () => {
    const history = historyOf(5);
    expect(await history.entriesAfter(5)).toEqual({ entries: [] });
    const state = fakeState({ historySeq: 5 });
    expect(await catchUp(state, history)).toEqual({ state, recovered: [], nextSeq: 6 });
  });

  test('one entry behind (a crash between the append and the state write)', async () => {
    const history = historyOf(5);
    const behind = await history.entriesAfter(4);
    expect('entries' in behind && behind.entries.map((e) => e.seq)).toEqual([5]);
  });

  test('many entries behind, further back than one tail window: all of them, oldest first, folded', async () => {
    // 2,000 entries of ~1 KB: the last 1,500 are ~1.5 MB, far past the first 256 KB window.
    const history = historyOf(2000, 1000);
    const behind = await history.entriesAfter(500);
    expect('entries' in behind && behind.entries.map((e) => e.seq)).toEqual(
      Array.from({ length: 1500 }, (_, i) => 501 + i),
    );
    const caught = await catchUp(fakeState({ historySeq: 500 }), history);
    expect(caught.recovered).toHaveLength(1500);
    expect(caught.state.historySeq).toBe(2000);
    expect(caught.gap).toBeUndefined();
    expect(caught.nextSeq).toBe(2001);
  });

  test('a state from the start of a history that is all behind it', async () => {
    const caught = await catchUp(fakeState({ historySeq: 0 }), historyOf(30));
    expect(caught.recovered.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(caught.state.historySeq).toBe(30);
  });

  test('a gap in the sequence: nothing is folded, and the last entry is named', async () => {
    const history = historyOf(10);
    writeFileSync(history.file, `${JSON.stringify(entry(12))}\n`, { flag: 'a' });
    const caught = await catchUp(fakeState({ historySeq: 8 }), history);
    expect(caught.recovered).toEqual([]);
    expect(caught.gap?.seq).toBe(12);
    expect(caught.state.historySeq).toBe(8);
    // An entry appended now goes after the history's last one, never over a seq already used.
    expect(caught.nextSeq).toBe(13);
  });
});
