// The pieces of `orchestrate serve` that decide on their own: the review findings read back from `_review.md` as
// renderReview wrote them, the serve record (real files in a temp folder, a real dead pid), which paths the one
// watcher leaves alone, and which Host headers a server accepts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { readFindings, renderReview } from '../../src/core/review/review-file.js';
import { excerptOf, type ReviewFinding } from '../../src/core/review/rules.js';
import {
  readServeRecord,
  removeServeRecord,
  SERVE_FILE,
  writeServeRecord,
  type ServeRecord,
} from '../../src/io/serve-record.js';
import { ignoredPath } from '../../src/commands/serve/sessions-watch.js';
import { allowedHosts, isLoopback } from '../../src/commands/serve/auth.js';
import { SessionTail } from '../../src/commands/serve/session-log.js';

describe('readFindings', () => {
  test('every finding renderReview lists comes back with its rule, file, line and excerpt', () => {
    const findings: ReviewFinding[] = [
      { rule: 'skip_marker', file: 'tests/a.test.ts', line: 3, excerpt: "it.skip('adds', () => {" },
      { rule: 'skip_marker', file: 'tests/b.test.ts', line: 9, excerpt: 'describe.only(`x` + ``y``)' },
      { rule: 'out_of_scope', file: 'src/db.ts', excerpt: 'modified' },
      { rule: 'secret_in_diff', file: 'weird `name`.txt', line: 12, excerpt: '' },
    ];
    const read = readFindings(renderReview(findings, { base: 'main', branch: 'samocode/x' }));
    expect(read).toEqual(
      findings.map((f) => ({
        rule: f.rule,
        file: f.file,
        ...(f.line !== undefined ? { line: f.line } : {}),
        ...(f.excerpt ? { excerpt: excerptOf(f.excerpt) } : {}),
      })),
    );
  });

  test('a hand-edited or foreign _review.md: what is not a finding line is not a finding', () => {
    expect(readFindings('')).toEqual([]);
    expect(readFindings('# Review\n\n- a plain list item\n- `unclosed\n**Decision:** approved\n')).toEqual([]);
    expect(readFindings('- `a.ts:7`\n')).toEqual([{ file: 'a.ts', line: 7 }]);
  });
});

describe('the serve record', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const record = (over: Partial<ServeRecord> = {}): ServeRecord => ({
    pid: process.pid,
    host: hostname(),
    url: 'http://127.0.0.1:4000/',
    started: '2026-12-01T12:00:00.000Z',
    ...over,
  });

  test('written atomically, read while its process lives on this host, removed only by its owner', () => {
    dir = mkdtempSync(join(tmpdir(), 'serve-record-'));
    expect(readServeRecord(dir)).toBeUndefined();
    writeServeRecord(dir, record());
    expect(JSON.parse(readFileSync(join(dir, SERVE_FILE), 'utf8'))).toEqual(record());
    expect(readServeRecord(dir)).toEqual(record());
    removeServeRecord(dir, process.pid + 1);
    expect(readServeRecord(dir)).toEqual(record());
    removeServeRecord(dir, process.pid);
    expect(readServeRecord(dir)).toBeUndefined();
  });

  test('stale (dead pid, another host), broken or hostile files are ignored and left in place', () => {
    dir = mkdtempSync(join(tmpdir(), 'serve-record-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    for (const text of [
      JSON.stringify(record({ pid: Number(dead) })),
      JSON.stringify(record({ host: 'elsewhere.example' })),
      JSON.stringify(record({ pid: -1 })),
      JSON.stringify({ pid: process.pid }),
      'not json',
      '[]',
    ]) {
      writeFileSync(join(dir, SERVE_FILE), text);
      expect(readServeRecord(dir), text).toBeUndefined();
      // Not ours to remove: another serve's, or no one's.
      removeServeRecord(dir, process.pid + 1);
      expect(readFileSync(join(dir, SERVE_FILE), 'utf8')).toBe(text);
    }
    rmSync(join(dir, SERVE_FILE));
    expect(spawnSync('mkfifo', [join(dir, SERVE_FILE)]).status).toBe(0);
    // A FIFO where the record should be: read as no record, at once (never a hang).
    expect(readServeRecord(dir)).toBeUndefined();
  });
});

describe('the watcher leaves alone', () => {
  const S = '/s';
  test.each([
    ['/s', false],
    ['/s/26-12-01-a', false],
    ['/s/26-12-01-a/_overview.md', false],
    ['/s/26-12-01-a/_signal_history.jsonl', false],
    ['/s/26-12-01-a/_qa.md', false],
    ['/s/26-12-01-a/.lock', false],
    ['/s/26-12-01-a/_delivery', false],
    ['/s/.queue', false],
    ['/s/.queue/add-auth.json', false],
    ['/s/_serve.json', true],
    ['/s/_serve.json.tmp-1-0', true],
    ['/s/26-12-01-a/_logs', true],
    ['/s/26-12-01-a/session.log', true],
    ['/s/26-12-01-a/_overview.md.tmp-12-3', true],
    ['/s/26-12-01-a/notes.md', true],
    ['/s/26-12-01-a/_delivery/combined.mbox', true],
    ['/s/26-12-01-a/_logs/x.jsonl', true],
    ['/s/.queue/add-auth.json.tmp-1-2', true],
    ['/elsewhere', true],
  ])('%s: %s', (path, ignored) => {
    expect(ignoredPath(S, path)).toBe(ignored);
  });
});

describe('Host headers', () => {
  test('loopback by default: the bound address and the loopback names, with the port only', () => {
    const hosts = allowedHosts('127.0.0.1', 4000);
    expect([...hosts].sort()).toEqual(['127.0.0.1:4000', '[::1]:4000', 'localhost:4000']);
    expect(allowedHosts('::1', 4000).has('[::1]:4000')).toBe(true);
    expect(allowedHosts('192.168.1.5', 80).has('192.168.1.5:80')).toBe(true);
    expect(allowedHosts('0.0.0.0', 80).has(`${hostname().toLowerCase()}:80`)).toBe(true);
  });

  test.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['192.168.1.5', false],
    ['127.0.0.1.example', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});

describe('SessionTail', () => {
  const fixture = readFileSync(join(import.meta.dirname, '../fixtures/tool-failures/claude-bash-failed.jsonl'), 'utf8');
  const made: string[] = [];
  afterEach(() => made.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const entry = (iteration: number) =>
    JSON.stringify({
      seq: iteration,
      time: '2026-12-01T10:00:00.000Z',
      phase: 'investigation',
      iteration,
      event: 'iteration',
    });

  test('one poll that finds an ended iteration and the next one begun tells them in the order they happened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samocode-tail-'));
    made.push(dir);
    mkdirSync(join(dir, '_logs'));
    const tail = new SessionTail(dir, (text) => text);
    const seen: string[] = [];
    const poll = () =>
      tail.poll(
        (action) => seen.push(`action ${action.iteration}`),
        (e) => seen.push(`entry ${e.iteration}`),
      );
    poll();
    // Between two polls: iteration 1 logs, ends, and iteration 2 logs (a fast iteration on a loaded machine).
    writeFileSync(join(dir, '_logs', '2026-12-01T10-00-00-000Z-001-investigation.jsonl'), fixture);
    writeFileSync(join(dir, '_signal_history.jsonl'), `${entry(1)}\n`);
    writeFileSync(join(dir, '_logs', '2026-12-01T10-00-01-000Z-002-requirements.jsonl'), fixture);
    poll();
    // Then iteration 2 ends and 3 begins and ends, all found by one poll.
    writeFileSync(join(dir, '_signal_history.jsonl'), `${entry(1)}\n${entry(2)}\n`);
    writeFileSync(join(dir, '_logs', '2026-12-01T10-00-02-000Z-003-requirements.jsonl'), fixture);
    writeFileSync(join(dir, '_signal_history.jsonl'), `${entry(1)}\n${entry(2)}\n${entry(3)}\n`);
    poll();
    tail.close();
    const order = seen.filter((s, i) => s !== seen[i - 1]);
    expect(order).toEqual(['action 1', 'entry 1', 'action 2', 'entry 2', 'action 3', 'entry 3']);
  });
});
