// A hostile `_signal.json`: a FIFO, a directory, symlinks (to /dev/zero, to /etc/passwd, a loop), a file far over
// the cap, duplicate keys, a byte-order mark, control characters, a 5 MB reason. Each ends as a named problem (or is
// accepted, for the BOM) through the real CLI: never a hang, an internal error or a session broken for the next run,
// and nothing a refused path points to reaches the history, the prompts, the console or `_overview.md`.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  createProject,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type CliResult,
  type Project,
  type Step,
} from '../helpers/rig.js';

const SESSION = 'hostile';
/** The first line of /etc/passwd: what a signal symlinked there must never copy anywhere. */
const PASSWD = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;

interface Ran {
  project: Project;
  args: string[];
  dir: string;
  result: CliResult;
}

async function run(steps: Step[]): Promise<Ran> {
  const project = createProject();
  const args = sessionArgs(project, SESSION, project.scenario(steps));
  const result = await project.run(args);
  return { project, args, dir: project.sessionDir(SESSION), result };
}

function iterations(dir: string): Record<string, any>[] {
  return readHistory(dir).filter((e) => e.event === 'iteration');
}

/** Every file samocode wrote in the session folder, as text, plus the console: for "this appears nowhere". */
function everythingShown(ran: Ran): string {
  const logs = join(ran.dir, '_logs');
  const texts = [ran.result.stdout, ran.result.stderr];
  for (const name of ['_signal_history.jsonl', '_overview.md', 'session.log']) {
    if (existsSync(join(ran.dir, name))) texts.push(readFileSync(join(ran.dir, name), 'utf8'));
  }
  for (const name of readdirSync(logs))
    if (name.endsWith('.prompt.md')) texts.push(readFileSync(join(logs, name), 'utf8'));
  return texts.join('\n');
}

const notRegular: [string, Step, string][] = [
  ['a FIFO', { signalFifo: true }, 'is a FIFO (named pipe), not a regular file'],
  ['a directory', { signalDirectory: true }, 'is a directory, not a regular file'],
  ['a symlink to /dev/zero', { signalSymlink: '/dev/zero' }, 'is a symbolic link to "/dev/zero", not a regular file'],
  [
    'a symlink to /etc/passwd',
    { signalSymlink: '/etc/passwd' },
    'is a symbolic link to "/etc/passwd", not a regular file',
  ],
  [
    'a symlink loop',
    { signalSymlink: '_signal.json' },
    'is a symbolic link to "_signal.json" (a loop of links), not a regular file',
  ],
  [
    'a symlink inside the session folder (refused too: following it would read a path the agent chose)',
    {
      sessionFiles: { 'real.json': JSON.stringify({ status: 'continue', phase: 'requirements' }) },
      signalSymlink: 'real.json',
    },
    'is a symbolic link to "real.json", not a regular file',
  ],
  [
    'a hard link to another file',
    {
      sessionFiles: { 'other.json': JSON.stringify({ status: 'continue', phase: 'requirements' }) },
      signalHardlink: 'other.json',
    },
    'is a hard link shared with 1 other name, not a regular file',
  ],
];

describe('a signal path that is not a regular file', () => {
  test.each(notRegular)(
    '%s: signal_not_regular_file after one corrective re-run; the next run clears it',
    async (_name, hostile, says) => {
      const ran = await run([hostile, { signal: sig.wait('qa_answers') }]);
      expect(ran.result.stderr).toContain('is blocked in phase investigation (signal_not_regular_file)');
      expect(ran.result.stderr).not.toContain('internal error');
      expect(ran.result.exitCode).toBe(4);
      const [first] = iterations(ran.dir);
      expect(first).toMatchObject({
        iteration: 1,
        validation: 'signal_not_regular_file',
        statusAfter: 'blocked',
        signal: null,
        run: { attempts: 2, corrective: true },
      });
      expect(first!.problem).toContain(`${join(ran.dir, '_signal.json')} ${says}`);
      expect(first!.problem).toContain('Write the signal as a plain file');
      const corrective = readdirSync(join(ran.dir, '_logs')).find((f) => f.endsWith('-a2.prompt.md'))!;
      expect(readFileSync(join(ran.dir, '_logs', corrective), 'utf8')).toContain('Problem (signal_not_regular_file)');
      expect(readOverview(ran.dir).data).toMatchObject({ status: 'blocked', blockedKind: 'signal_not_regular_file' });
      // What the second attempt left is still there; the next run must get past it.
      expect(() => lstatSync(join(ran.dir, '_signal.json'))).not.toThrow();

      const again = await ran.project.run(ran.args);
      expect(again.stderr).toContain('waiting for you (qa_answers)');
      expect(again.exitCode).toBe(5);
      expect(iterations(ran.dir).at(-1)).toMatchObject({ iteration: 2, validation: 'ok', statusAfter: 'waiting' });
      expect(
        everythingShown({ ...ran, result: { ...again, stderr: `${ran.result.stderr}\n${again.stderr}` } }),
      ).not.toContain(PASSWD);
    },
  );

  test('SIGTERM still stops a run promptly after a FIFO signal (the read never blocks the event loop)', async () => {
    const project = createProject();
    const child = project.start(
      sessionArgs(project, SESSION, project.scenario([{ attempts: [{ signalFifo: true }, { hang: true }] }])),
      {
        env: { SAMOCODE_KILL_GRACE: '0.5' },
      },
    );
    // The corrective attempt's prompt exists once the FIFO was judged and the second attempt is being started.
    await waitFor(
      () => {
        try {
          return readdirSync(join(project.sessionDir(SESSION), '_logs')).some((f) => f.endsWith('-a2.prompt.md'));
        } catch {
          return false;
        }
      },
      30_000,
      'the corrective attempt',
    );
    child.kill('SIGTERM');
    const result = await child.result;
    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(143);
    expect(readHistory(project.sessionDir(SESSION)).at(-1)).toMatchObject({ event: 'interrupted', signal: 'SIGTERM' });
  });
});

describe('a signal over the 64 KB cap', () => {
  test('a sparse 200 MB file is signal_too_large, never read; the next run clears it', async () => {
    const ran = await run([{ signalSparseBytes: 200 * 1024 * 1024 }, { signal: sig.wait('qa_answers') }]);
    expect(ran.result.exitCode).toBe(4);
    const [first] = iterations(ran.dir);
    expect(first).toMatchObject({ validation: 'signal_too_large', run: { attempts: 2, corrective: true } });
    expect(first!.problem).toContain(
      `is ${200 * 1024 * 1024} bytes, ${200 * 1024 * 1024 - 65536} bytes over the 64 KB cap for a signal`,
    );
    expect(statSync(join(ran.dir, '_signal_history.jsonl')).size).toBeLessThan(10_000);
    const again = await ran.project.run(ran.args);
    expect(again.exitCode).toBe(5);
  });

  test('a 5 MB reason gives a small history line and a small _overview.md', async () => {
    const ran = await run([{ signal: sig.block(`r${'x'.repeat(5_000_000)}`) }]);
    expect(ran.result.exitCode).toBe(4);
    expect(iterations(ran.dir)[0]).toMatchObject({ validation: 'signal_too_large' });
    expect(statSync(join(ran.dir, '_signal_history.jsonl')).size).toBeLessThan(10_000);
    expect(statSync(join(ran.dir, '_overview.md')).size).toBeLessThan(10_000);
    expect(ran.result.stderr.length).toBeLessThan(10_000);
  });

  test('a 25 KB reason is kept cut to 4 KB, with a note, in the history and the front matter', async () => {
    const reason = `no db ${'y'.repeat(25_000)}`;
    const ran = await run([{ signal: sig.block(reason, `needs ${'z'.repeat(25_000)}`) }]);
    expect(ran.result.exitCode).toBe(4);
    const [first] = iterations(ran.dir);
    expect(first).toMatchObject({ validation: 'ok', statusAfter: 'blocked' });
    expect(first!.signal.reason).toBe(`${reason.slice(0, 4096)}… (cut: ${reason.length - 4096} more characters)`);
    expect(first!.signal.needs).toMatch(/^needs z+… \(cut: 20910 more characters\)$/);
    expect(readOverview(ran.dir).data).toMatchObject({
      blockedReason: first!.signal.reason,
      needs: first!.signal.needs,
    });
    expect(statSync(join(ran.dir, '_overview.md')).size).toBeLessThan(12_000);
  });
});

describe('the content of a signal', () => {
  test('duplicate keys are signal_invalid, naming the key', async () => {
    const ran = await run([
      { signal: '{"status":"continue","phase":"requirements","summary":"x","status":"blocked","reason":"r"}' },
    ]);
    expect(ran.result.exitCode).toBe(4);
    const [first] = iterations(ran.dir);
    expect(first).toMatchObject({ validation: 'signal_invalid', run: { attempts: 1 } });
    expect(first!.problem).toContain('key "status" appears twice; write each key once');
  });

  test('a UTF-8 byte-order mark before valid JSON is accepted', async () => {
    const json = JSON.stringify(sig.go('requirements', 'with a BOM'));
    const ran = await run([
      { signalBase64: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]).toString('base64') },
      { signal: sig.wait('qa_answers') },
    ]);
    expect(ran.result.exitCode).toBe(5);
    expect(iterations(ran.dir)[0]).toMatchObject({
      validation: 'ok',
      phaseAfter: 'requirements',
      signal: { summary: 'with a BOM' },
    });
  });

  test('NUL, escape sequences and other control characters are stripped from what is stored and shown', async () => {
    const summary = 'a\u0000b\u001b[31mred\u001b[0m\u001b]0;title\u0007 c\u0085d\u007f\te';
    const ran = await run([{ signal: sig.go('requirements', summary) }, { signal: sig.block('x\u0000y\u001b[2Jz') }]);
    expect(ran.result.exitCode).toBe(4);
    const [first, second] = iterations(ran.dir);
    expect(first!.signal.summary).toBe('abred cd\te');
    expect(second!.signal.reason).toBe('xyz');
    expect(readOverview(ran.dir).data).toMatchObject({ blockedReason: 'xyz', lastSummary: 'abred cd\te' });
    const prompt = readdirSync(join(ran.dir, '_logs')).find((f) => f.endsWith('-002-requirements.prompt.md'))!;
    expect(readFileSync(join(ran.dir, '_logs', prompt), 'utf8')).toContain("- Last iteration's summary: abred cd\te\n");
    expect(ran.result.stderr).toContain('reason: xyz');
    expect(everythingShown(ran)).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
  });
});

function replaceWithFifo(file: string): string {
  rmSync(file);
  execFileSync('mkfifo', [file]);
  return file;
}

/** The same run again, with a FIFO at `fifo`: a named error (exit 3), not a hang nor an internal error. */
async function rerunRefused(ran: Ran, fifo: string, verb: 'read' | 'write to'): Promise<void> {
  const again = await ran.project.run(ran.args, { timeoutMs: 30_000 });
  expect(again.signal).toBeNull();
  expect(again.exitCode).toBe(3);
  expect(again.stderr).toContain(`${fifo} is a FIFO (named pipe), not a regular file; samocode did not ${verb} it`);
  expect(again.stderr).not.toContain('internal error');
}

describe('other session files the agent controls', () => {
  test('a FIFO where _qa.md should be is a named error on resume, not a hang', async () => {
    const ran = await run([
      { sessionFiles: { '_qa.md': '### Q1: which?\n**Answer:** _waiting_\n' }, signal: sig.wait('qa_answers') },
    ]);
    expect(ran.result.exitCode).toBe(5);
    await rerunRefused(ran, replaceWithFifo(join(ran.dir, '_qa.md')), 'read');
  });

  test('a FIFO where the history should be is a named error at the next start, not a hang', async () => {
    const ran = await run([{ signal: sig.block('stop here') }]);
    expect(ran.result.exitCode).toBe(4);
    await rerunRefused(ran, replaceWithFifo(join(ran.dir, '_signal_history.jsonl')), 'read');
  });

  test('a FIFO where session.log should be is a named error at the next start, not a hang', async () => {
    const ran = await run([{ sessionFifos: ['session.log'], signal: sig.block('stop here') }]);
    expect(ran.result.exitCode).toBe(4);
    await rerunRefused(ran, join(ran.dir, 'session.log'), 'write to');
  });

  test('a FIFO where the session lock should be is a named error at the next start, not a hang', async () => {
    const ran = await run([{ sessionFifos: ['.lock'], signal: sig.block('stop here') }]);
    expect(ran.result.exitCode).toBe(4);
    await rerunRefused(ran, join(ran.dir, '.lock'), 'read');
    // Nothing of the refused start is left behind: no temp file of a lock it did not take.
    expect(readdirSync(ran.dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('an agent that puts a FIFO where the history is gets a named error at the next append, not a hang', async () => {
    const ran = await run([{ sessionFifos: ['_signal_history.jsonl'], signal: sig.go('requirements', 'moved on') }]);
    const history = join(ran.dir, '_signal_history.jsonl');
    expect(ran.result.signal).toBeNull();
    expect(ran.result.exitCode).toBe(3);
    expect(ran.result.stderr).toContain(
      `${history} is a FIFO (named pipe), not a regular file; samocode did not write to it`,
    );
    expect(ran.result.stderr).not.toContain('internal error');
  });
});
