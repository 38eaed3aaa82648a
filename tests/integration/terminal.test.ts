// The terminal while a run goes on (README "The terminal"): the real built CLI on a pseudo-terminal (util-linux
// `script`), playing a Claude stream with the scripted agent. On a TTY a status line is drawn below the log lines and
// erased before each of them and at the end, a failed tool call is red, and a wait prints its questions, the file to
// edit and the dashboard's address from `_serve.json`. With --quiet there is no status line; without a TTY the output
// is the log lines only, as before.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT, createProject, sessionArgs, sig, waitFor, type Project, type Step } from '../helpers/rig.js';
import { noPty, startOnPty } from '../helpers/pty.js';

const ERASE = '\r\u001b[2K';
const skip = noPty();
if (skip) console.warn(`terminal tests skipped: ${skip}`);

/** One Claude stream-json line: the assistant calls a tool. */
const toolUse = (id: number, name: string, input: Record<string, unknown>) =>
  JSON.stringify({
    type: 'assistant',
    message: {
      id: `m${id}`,
      type: 'message',
      role: 'assistant',
      model: 'x',
      content: [{ type: 'tool_use', id: `t${id}`, name, input }],
    },
  });

const QA_FILE = [
  '# Questions',
  '### Q1: Which database?',
  '- A) Postgres',
  '- B) SQLite',
  '**Suggestion:** A',
  '**Answer:** _waiting_',
  '',
].join('\n');

/** A first iteration that calls two tools (one with escape sequences in it) and works a moment; then a wait. */
function steps(): Step[] {
  return [
    {
      stdout: [
        toolUse(1, 'Bash', { command: 'npm test \u001b[2J\u001b]0;owned\u0007' }),
        toolUse(2, 'Read', { file_path: 'src/古い名前.ts' }),
      ],
      delayMs: 1500,
      signal: sig.go('requirements'),
    },
    { sessionFiles: { '_qa.md': QA_FILE }, signal: sig.wait('qa_answers', 'answer the database question') },
  ];
}

function project(): Project {
  const p = createProject();
  writeFileSync(p.configFile, `${readFileSync(p.configFile, 'utf8')}SAMOCODE_SCRIPT_FORMAT=claude\n`);
  return p;
}

/** A dashboard "runs": the record names this test's own process, alive on this host. */
function serveRecord(p: Project): string {
  const url = 'http://127.0.0.1:45678/';
  mkdirSync(p.sessions, { recursive: true });
  writeFileSync(
    join(p.sessions, '_serve.json'),
    JSON.stringify({ pid: process.pid, host: hostname(), url, started: new Date().toISOString() }),
  );
  return url;
}

describe.skipIf(skip !== undefined)('the terminal', () => {
  test('a TTY: the status line under the log lines, erased before each and at the end; a wait prints its questions', async () => {
    const p = project();
    const url = serveRecord(p);
    const run = startOnPty(p, sessionArgs(p, 'tty', p.scenario(steps())));
    const { exitCode, stdout: out } = await run.result;
    expect(exitCode, out).toBe(5);
    // Drawn with the iteration and the phase, showing the agent's action and the clock.
    expect(out).toMatch(/▸ #1 inv · 0:0\d · Read src\/古い名前\.ts/);
    expect(out).toMatch(/▸ #1 inv · 0:0\d · Bash npm test/);
    // Every log line that comes while it is shown first erases it: the line starts right after the erase.
    expect(out).toMatch(new RegExp(`${esc(ERASE)}\\[\\d\\d:\\d\\d:\\d\\d\\] INFO: #1 inv  Read src`));
    // …and it is gone for good before the run's last words: the last one drawn is followed by an erase.
    const last = out.lastIndexOf('▸ #');
    expect(out.indexOf(ERASE, last), out.slice(last)).toBeGreaterThan(last);
    expect(out.slice(out.indexOf(ERASE, last))).not.toContain('▸ #');
    // No escape sequence of the agent's reached the terminal: only ours (the erase; NO_COLOR is set by the rig).
    expect(out.replaceAll(ERASE, '')).not.toMatch(/[\u001b\u0007]/);
    // The wait: the question with its options, the file to edit, the dashboard.
    const dir = p.sessionDir('tty');
    expect(out).toContain('── waiting for you (qa_answers) ──');
    expect(out).toContain('needs: answer the database question');
    expect(out).toMatch(/Q1: Which database\?\r?\n {4}A\) Postgres\r?\n {4}B\) SQLite\r?\n {4}suggestion: A/);
    expect(out).toContain(`answer in ${join(dir, '_qa.md')}: replace each`);
    expect(out).toContain(`or in the dashboard: ${url}`);
  });

  test('colour: a failed tool call and an error are red; NO_COLOR leaves them plain', async () => {
    const fixture = readFileSync(
      join(ROOT, 'tests/fixtures/streams/claude-signal-exists-write-rejected.jsonl'),
      'utf8',
    );
    const failing: Step[] = [{ stdout: fixture.split('\n').filter(Boolean), signal: sig.block('end') }];
    const p = project();
    const coloured = await startOnPty(p, sessionArgs(p, 'red', p.scenario(failing)), { env: { NO_COLOR: '' } }).result;
    expect(coloured.stdout).toMatch(/\u001b\[31m#1 inv {2}✗ Write [^\n]*File has not been read yet/);
    expect(coloured.stdout).toMatch(/\u001b\[31mblocked in investigation: end/);
    const p2 = project();
    const plain = await startOnPty(p2, sessionArgs(p2, 'plain', p2.scenario(failing))).result;
    expect(plain.stdout).toMatch(/WARN: #1 inv {2}✗ Write /);
    expect(plain.stdout.replaceAll(ERASE, '')).not.toContain('\u001b');
  });

  test('--quiet on a TTY: no status line, the wait is still printed; a re-run prints it again', async () => {
    const p = project();
    const scenario = p.scenario(steps());
    const { exitCode, stdout: out } = await startOnPty(p, sessionArgs(p, 'quiet', scenario, ['--quiet'])).result;
    expect(exitCode, out).toBe(5);
    expect(out).not.toContain('▸ #');
    expect(out).not.toContain(ERASE);
    expect(out).toContain('Q1: Which database?');
    // A run started again on the session that still waits (answers not given) prints the wait at its start.
    const again = await startOnPty(p, [
      '--config',
      p.configFile,
      '--session',
      'quiet',
      '--script',
      scenario,
      '--no-wait',
    ]).result;
    expect(again.exitCode, again.stdout).toBe(5);
    expect(again.stdout).toMatch(/── waiting for you \(qa_answers\) ──[\s\S]*Q1: Which database\?/);
  });

  test('Ctrl-C while the status line shows: it is erased, the run ends interrupted and resumable', async () => {
    const p = project();
    const long: Step[] = [{ stdout: [toolUse(1, 'Bash', { command: 'sleep 60' })], hang: true }];
    const run = startOnPty(p, sessionArgs(p, 'stop', p.scenario(long)));
    await waitFor(() => run.output().includes('· Bash sleep 60'), 30_000, 'the status line with the action');
    run.type('\u0003');
    const { exitCode, stdout: out } = await run.result;
    expect(exitCode, out).toBe(130);
    // The Ctrl-C notice (io/shutdown.ts writes it) goes round the status line: never printed over it.
    const notice = out.indexOf('SIGINT: stopping the agent');
    const shown = out.lastIndexOf('▸ #', notice);
    expect(notice, out).toBeGreaterThan(shown);
    expect(out.slice(shown, notice)).toContain(ERASE);
    const last = out.lastIndexOf('▸ #');
    expect(out.indexOf(ERASE, last)).toBeGreaterThan(last);
    expect(out.slice(out.indexOf(ERASE, last))).toMatch(/stopped by SIGINT; session \S+ is resumable/);
  });

  test('without a TTY the output is the log lines as before: no status line, no printout, no control sequence', async () => {
    const p = project();
    const url = serveRecord(p);
    const { exitCode, stderr } = await p.run(sessionArgs(p, 'pipe', p.scenario(steps())));
    expect(exitCode, stderr).toBe(5);
    expect(stderr).not.toMatch(/[\u001b\r]/);
    expect(stderr).not.toContain('▸');
    expect(stderr).not.toContain('waiting for you (qa_answers) ──');
    expect(stderr).not.toContain(url);
    // Every console line before the last words is one of session.log's lines (info and up), in its order.
    const console = stderr
      .slice(0, stderr.indexOf('\n\nsession '))
      .split('\n')
      .map((line) => /^\[\d\d:\d\d:\d\d\] (?:INFO|WARN|ERROR): (.*)$/.exec(line)?.[1] ?? `not a log line: ${line}`);
    const logged = readFileSync(join(p.sessionDir('pipe'), 'session.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level >= 30)
      .map((entry) => entry.msg);
    expect(console).toEqual(logged);
  });
});

function esc(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
