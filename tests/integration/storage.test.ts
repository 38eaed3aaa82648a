// samocode's own writes refused by the environment: a full disk (a small tmpfs), a read-only file (a read-only bind
// mount), an immutable file (chattr +i), no permission (the CLI run as an unprivileged user), and a sessions folder
// that cannot be created (/proc/x). Each is a named error with exit 8 that says which file, why and what to do, the
// history stays whole, and the same command goes on once the cause is gone. These need root and Linux mounts: where
// that is missing the test is skipped with the reason printed, never passed.
import { spawnSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, type TestContext } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { HistoryLog } from '../../src/io/history-log.js';
import { writeAnswers } from '../../src/io/session-edits.js';
import { StateStore } from '../../src/io/state-store.js';
import { fakeState } from '../helpers/fake-state.js';
import {
  answerEverything,
  createProject,
  fullSessionSteps,
  readHistory,
  readOverview,
  sessionArgs,
  tempDir,
  type Project,
} from '../helpers/rig.js';

const NOBODY = 65534;

function sh(command: string, ...args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return {
    ok: result.status === 0,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.trim(),
  };
}

/** Skip the test, saying why: the environment cannot stage this failure. */
function skipBecause(ctx: TestContext, reason: string): never {
  console.warn(`skipped "${ctx.task.name}": ${reason}`);
  return ctx.skip(reason);
}

/** Mount something for the length of the test; unmounted (lazily, so a busy mount never fails the test) at its end. */
function mount(ctx: TestContext, target: string, ...args: string[]): void {
  const mounted = sh('mount', ...args, target);
  if (!mounted.ok) skipBecause(ctx, `mount ${args.join(' ')} ${target} is not possible here: ${mounted.output}`);
  ctx.onTestFinished(() => {
    sh('umount', '-l', target);
  });
}

/** A 64 KB tmpfs for the length of the test: a disk that a few writes fill. */
function smallDisk(ctx: TestContext): string {
  const disk = join(tempDir(), 'disk');
  mkdirSync(disk);
  mount(ctx, disk, '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs');
  return disk;
}

function expectNamedStorageError(stderr: string, file: RegExp, errno: RegExp): void {
  expect(stderr).toMatch(file);
  expect(stderr).toMatch(errno);
  expect(stderr).toContain('then run the same command again: the session goes on where it stopped');
  expect(stderr).not.toContain('internal error');
  // No stack trace: an environment problem, not a bug.
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

/** Every line of the history is a whole entry, seq runs 1, 2, 3 … and no iteration is recorded twice. */
function expectWholeHistory(dir: string): Record<string, any>[] {
  const text = readFileSync(join(dir, '_signal_history.jsonl'), 'utf8');
  if (text !== '') expect(text.endsWith('\n')).toBe(true);
  const entries = readHistory(dir);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_e, i) => i + 1));
  const iterations = entries.filter((e) => e.event === 'iteration').map((e) => e.iteration);
  expect(new Set(iterations).size).toBe(iterations.length);
  return entries;
}

/** From a waiting session: answer, run, until done. */
async function runToDone(project: Project, args: string[], dir: string): Promise<void> {
  for (let run = 0; run < 4; run++) {
    answerEverything(dir);
    const result = await project.run(args);
    if (result.exitCode === 0) return;
    expect(result.exitCode, result.stderr).toBe(5);
  }
  throw new Error('the session did not finish in 4 runs');
}

describe('disk full', () => {
  test('a full disk under the session folder is exit 8 naming the file and the space needed; freed, the same command goes on to done', async (ctx) => {
    const project = createProject();
    mkdirSync(project.sessions);
    mount(ctx, project.sessions, '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs');
    const steps = fullSessionSteps();
    // The agent of iteration 1 writes its signal, then fills the disk: the orchestrator's next writes hit ENOSPC.
    steps[0] = { ...steps[0], fillDisk: 'filler.bin' };
    const args = sessionArgs(project, 'full', project.scenario(steps));

    const full = await project.run(args);
    expect(full.exitCode, full.stderr).toBe(8);
    expectNamedStorageError(
      full.stderr,
      /cannot write \S+\/(_signal_history\.jsonl|_overview\.md): /,
      /no space left on the device \(ENOSPC/,
    );
    expect(full.stderr).toMatch(
      new RegExp(`needs at least \\d+ bytes free on ${project.sessions} \\(tmpfs\\) \\(\\d+ bytes free now\\)`),
    );
    const dir = project.sessionDir('full');
    expectWholeHistory(dir);
    expect(readOverview(dir).data.iterations).toBe(0);

    // Full again: still the same named error, and still nothing torn or doubled.
    const again = await project.run(args);
    expect(again.exitCode, again.stderr).toBe(8);
    expectWholeHistory(dir);

    truncateSync(join(dir, 'filler.bin'), 0);
    await runToDone(project, args, dir);
    const entries = expectWholeHistory(dir);
    expect(entries.filter((e) => e.event === 'iteration').map((e) => e.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(readOverview(dir).data).toMatchObject({ status: 'done', phase: 'done', historySeq: entries.length });
  });
});

describe('an append cut short by a full disk', () => {
  test('the part that was written is cut back at once: the history stays as it was, every line whole', async (ctx) => {
    const disk = smallDisk(ctx);
    const file = join(disk, '_signal_history.jsonl');
    const log = new HistoryLog(file);
    const entry = (seq: number, summary: string) =>
      ({
        seq,
        time: 't',
        event: 'resumed',
        iteration: 1,
        phase: 'requirements',
        from: 'waiting',
        how: summary,
      }) as const;
    await log.append(entry(1, 'short'));
    const before = readFileSync(file, 'utf8');
    // Fill the disk: what is left is the slack in the history's last page (under 4 KB), less than the next line.
    fillDisk(join(disk, 'filler'));
    const error = await log.append(entry(2, 'x'.repeat(8192))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(
      /appending history entry 2 \(resumed, iteration 1\): no space left on the device \(ENOSPC on write\)\. It needs at least 82\d\d bytes free on /,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(log.repair()).toBeUndefined();
  });
});

describe('a state write on a full disk', () => {
  test('fails, named, and leaves the old _overview.md whole (write-file-atomic renamed a cut-off file over it)', async (ctx) => {
    const disk = smallDisk(ctx);
    const file = join(disk, '_overview.md');
    const store = new StateStore(file);
    await store.write(fakeState({ historySeq: 1 }), '\n# Notes\n');
    const before = readFileSync(file, 'utf8');
    fillDisk(join(disk, 'filler'), 40 * 1024);
    const error = await store
      .write(fakeState({ historySeq: 2, lastSummary: 'y'.repeat(30 * 1024) }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(
      new RegExp(
        `cannot write ${file}: writing the session state \\(up to history entry 2\\): no space left on the device \\(ENOSPC on write\\)\\. It needs at least \\d+ bytes free on ${disk} \\(tmpfs\\)`,
      ),
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(disk).sort()).toEqual(['_overview.md', 'filler']);
  });
});

describe('the history file cannot be written', () => {
  const cases = [
    {
      name: 'read-only (a read-only bind mount)',
      errno: /the file system is read-only \(EROFS/,
      protect: (ctx: TestContext, file: string) => {
        mount(ctx, file, '--bind', file);
        const ro = sh('mount', '-o', 'remount,ro,bind', file);
        if (!ro.ok) skipBecause(ctx, `cannot remount ${file} read-only: ${ro.output}`);
        return () => void sh('umount', file);
      },
    },
    {
      name: 'immutable (chattr +i)',
      errno: /operation not permitted \(EPERM/,
      protect: (ctx: TestContext, file: string) => {
        const set = sh('chattr', '+i', file);
        if (!set.ok) skipBecause(ctx, `chattr +i is not possible here: ${set.output}`);
        const unset = () => void sh('chattr', '-i', file);
        ctx.onTestFinished(unset);
        return unset;
      },
    },
  ];

  test.for(cases)(
    '$name: exit 8 naming the history file; writable again, the run goes on',
    async ({ errno, protect }, ctx) => {
      const project = createProject();
      const args = sessionArgs(project, 'locked-out', project.scenario(fullSessionSteps()));
      expect((await project.run(args)).exitCode).toBe(5);
      const dir = project.sessionDir('locked-out');
      const history = join(dir, '_signal_history.jsonl');
      const before = expectWholeHistory(dir).length;
      const release = protect(ctx, history);

      answerEverything(dir);
      const refused = await project.run(args);
      expect(refused.exitCode, refused.stderr).toBe(8);
      expectNamedStorageError(
        refused.stderr,
        new RegExp(`cannot write ${history}: appending history entry ${before + 1} \\(resumed`),
        errno,
      );
      expect(expectWholeHistory(dir)).toHaveLength(before);
      expect(readOverview(dir).data).toMatchObject({ status: 'waiting', historySeq: before });

      release();
      await runToDone(project, args, dir);
      expect(readOverview(dir).data.status).toBe('done');
      expectWholeHistory(dir);
    },
  );
});

describe('no permission', () => {
  test('the CLI run by a user who may not write the history: exit 8, EACCES with the uid; given access, the run goes on', async (ctx) => {
    if (process.getuid?.() !== 0) skipBecause(ctx, 'needs root, to run the CLI as an unprivileged user with setpriv');
    const probe = sh(
      'setpriv',
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      process.execPath,
      '-e',
      '0',
    );
    if (!probe.ok) skipBecause(ctx, `setpriv cannot run node as uid ${NOBODY} here: ${probe.output}`);
    // Standalone (not a git repo): git refuses repositories owned by another user, which is not what this is about.
    const project = createProject({ git: false });
    const steps = fullSessionSteps().map(({ commit: _commit, ...step }) => step);
    const args = sessionArgs(project, 'no-access', project.scenario(steps));
    expect((await project.run(args)).exitCode).toBe(5);
    const dir = project.sessionDir('no-access');
    const history = join(dir, '_signal_history.jsonl');
    const before = expectWholeHistory(dir).length;
    // The unprivileged user owns everything of the project but the history, which stays root's (0644).
    chownTree(project.root, NOBODY);
    chownSync(history, 0, 0);
    const asNobody = (extra: string[] = []) => runAs(project, [...args, ...extra]);

    answerEverything(dir);
    const refused = await asNobody();
    expect(refused.exitCode, refused.stderr).toBe(8);
    expectNamedStorageError(
      refused.stderr,
      new RegExp(`cannot write ${history}: appending history entry ${before + 1} \\(resumed`),
      /permission denied \(EACCES/,
    );
    expect(refused.stderr).toContain(`uid ${NOBODY}`);
    expect(expectWholeHistory(dir)).toHaveLength(before);

    chownSync(history, NOBODY, NOBODY);
    for (let run = 0; run < 4 && readOverview(dir).data.status !== 'done'; run++) {
      answerEverything(dir);
      const result = await asNobody();
      expect([0, 5], result.stderr).toContain(result.exitCode);
    }
    expect(readOverview(dir).data.status).toBe('done');
    expectWholeHistory(dir);
  });
});

describe('a sessions folder that cannot be created', () => {
  test('SESSIONS=/proc/x: exit 8 at once naming the folder (it spun at full CPU for ever), and SIGTERM is obeyed', async () => {
    const project = createProject({
      config: ['MAIN_REPO=./repo', 'WORKTREES=./worktrees', 'SESSIONS=/proc/x/sessions', 'PROVIDER=script'],
    });
    const args = sessionArgs(project, 'proc', project.scenario(fullSessionSteps()));
    const result = await project.run(args, { timeoutMs: 30_000 });
    expect(result.signal).toBeNull();
    expect(result.exitCode, result.stderr).toBe(8);
    expect(result.stderr).toContain(
      'cannot create /proc/x/sessions: the sessions folder (SESSIONS): /proc does not allow new folders',
    );
    expect(result.stderr).toContain(
      'Fix: point SESSIONS to another folder, on an ordinary writable disk, then run again.',
    );
    expect(result.stderr).not.toContain('internal error');

    // SIGTERM a second in: it has ended by then (8), or it obeys (143). It used to spin deaf to it until SIGKILL.
    const child = project.start(args, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    child.kill('SIGTERM');
    const stopped = await child.result;
    expect(
      stopped.signal === 'SIGTERM' || stopped.exitCode === 143 || stopped.exitCode === 8,
      JSON.stringify(stopped),
    ).toBe(true);
  });
});

/** Write zeros into `file` until the disk is full, or until `bytes` are written. */
function fillDisk(file: string, bytes = Infinity): void {
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < bytes;) written += writeSync(fd, Buffer.alloc(Math.min(4096, bytes - written)));
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
}

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid);
    else chownSync(child, uid, uid);
  }
}

/** The CLI as the unprivileged user, with the project's environment (HOME included). */
function runAs(project: Project, args: string[]) {
  return new Promise<{ exitCode: number | null; stderr: string }>((done) => {
    const result = spawnSync(
      'setpriv',
      [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        process.execPath,
        join(import.meta.dirname, '../../dist/cli.js'),
        ...args,
      ],
      {
        cwd: project.root,
        env: project.env,
        encoding: 'utf8',
        timeout: 45_000,
      },
    );
    done({ exitCode: result.status, stderr: result.stderr });
  });
}

describe("a person's answer written on a full disk", () => {
  test('fails with ENOSPC and leaves the old _qa.md whole, as Telegram and `orchestrate json` write it', async (ctx) => {
    const disk = smallDisk(ctx);
    const file = join(disk, '_qa.md');
    writeFileSync(file, '### Q1: which way?\n- A) this\n- B) that\n**Answer:** _waiting_\n');
    const before = readFileSync(file, 'utf8');
    fillDisk(join(disk, 'filler'), 40 * 1024);
    const error = await writeAnswers(disk, `Q1: ${'a long answer '.repeat(2500)}`).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(disk).sort()).toEqual(['_qa.md', 'filler']);
  });
});
