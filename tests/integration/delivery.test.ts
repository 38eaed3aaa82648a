// The deliverable of a done session, through the real CLI with the scripted agent in real git repositories:
// `_delivery/` rebuilds the branch's tree exactly with `git am` on a fresh clone of the base (a binary file, a
// rename, an executable bit, a base that moved on meanwhile); DELIVER=push to a local bare remote; DELIVER=pr with
// a fake `gh`; a failed push or PR keeps the patches, says the fix, and the session is still done; the end of every
// run says where things stand, on the console, in `status` and in Telegram, with no secret.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import {
  answerEverything,
  createProject,
  fullSessionSteps,
  git,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type Project,
  type Step,
} from '../helpers/rig.js';

/** A PNG's first bytes and a NUL: git treats it as binary. */
const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3, 255, 254, 0, 7]).toString(
  'base64',
);

/** Implementation makes three commits: a binary file and a script, a rename with an edit, a deletion. */
function deliverySteps(): Step[] {
  const steps = fullSessionSteps();
  steps[4] = {
    files: { 'src/app.txt': 'line 1\nline 2\nline 3\nline 4\nline 5\n', 'run.sh': '#!/bin/sh\necho hi\n' },
    filesBase64: { 'assets/logo.png': BINARY },
    executable: ['run.sh'],
    commit: 'Add the app, a logo and a script',
    signal: sig.stay('implementation'),
  };
  steps.splice(
    5,
    0,
    {
      renames: { 'src/app.txt': 'lib/app.txt' },
      files: { 'lib/app.txt': 'line 1\nline 2\nline 3\nline 4\nline 5 changed\n' },
      commit: 'Move the app to lib',
      signal: sig.stay('implementation'),
    },
    {
      files: { 'README.md': '# test repo\n\nNow with an app.\n' },
      commit: 'Describe the app',
      signal: sig.go('testing'),
    },
  );
  return steps;
}

/** Run the session to done, answering the two gates in the files between runs (exit 5 at each). */
async function runToDone(project: Project, name: string, steps: Step[], env: NodeJS.ProcessEnv = {}) {
  const args = sessionArgs(project, name, project.scenario(steps));
  for (let run = 0; run < 2; run++) {
    const waiting = await project.run(args, { env });
    expect(waiting.exitCode, waiting.stderr).toBe(5);
    answerEverything(project.sessionDir(name));
  }
  const done = await project.run(args, { env });
  return { done, dir: project.sessionDir(name), args };
}

function bareRemote(project: Project): string {
  const remote = join(project.root, 'remote.git');
  git(project.root, 'init', '-q', '--bare', remote);
  git(project.repo, 'remote', 'add', 'origin', remote);
  git(project.repo, 'push', '-q', 'origin', 'main');
  return remote;
}

/** A fake `gh` on PATH that records its arguments and the body file, prints a URL, or fails with `exitCode`. */
function fakeGh(project: Project, exitCode = 0): { env: NodeJS.ProcessEnv; record: string } {
  const bin = join(project.root, 'bin');
  const record = join(project.root, 'gh-record');
  mkdirSync(bin);
  mkdirSync(record);
  const script = [
    '#!/bin/sh',
    'printf "%s\\n" "$@" > "$GH_RECORD/args"',
    'while [ $# -gt 0 ]; do',
    '  if [ "$1" = --body-file ]; then cp "$2" "$GH_RECORD/body"; fi',
    '  shift',
    'done',
    exitCode === 0
      ? 'echo "https://github.com/example/repo/pull/42"'
      : 'echo "GraphQL: Resource not accessible by integration (createPullRequest)" >&2',
    `exit ${exitCode}`,
  ].join('\n');
  writeFileSync(join(bin, 'gh'), `${script}\n`);
  chmodSync(join(bin, 'gh'), 0o755);
  return { env: { PATH: `${bin}:${process.env.PATH}`, GH_RECORD: record }, record };
}

function status(project: Project, name: string, json = false) {
  return project.run(['status', '--config', project.configFile, '--session', name, ...(json ? ['--json'] : [])]);
}

describe('delivery', () => {
  test('DELIVER=patch: git am of combined.mbox on a fresh clone of the base rebuilds the branch tree exactly', async () => {
    const project = createProject();
    // samocode's own checks (gates-verify): their results are in the summary, the last words and status.
    writeFileSync(project.configFile, 'VERIFY=test -f README.md\nVERIFY_APP=test -f lib/app.txt\n', { flag: 'a' });
    // A git config that would break a naive format-patch for git am: no a/ b/ prefixes, a cover letter, other names.
    for (const [key, value] of [
      ['diff.noprefix', 'true'],
      ['format.coverLetter', 'auto'],
      ['format.suffix', '.txt'],
      ['format.useAutoBase', 'true'],
    ])
      git(project.repo, 'config', key!, value!);
    const args = sessionArgs(project, 'ship', project.scenario(deliverySteps()));
    expect((await project.run(args)).exitCode).toBe(5);
    // The person goes on working on main meanwhile: the patches still apply where the branch forked.
    writeFileSync(join(project.repo, 'other.txt'), 'someone else\n');
    git(project.repo, 'add', '-A');
    git(project.repo, 'commit', '-q', '-m', 'Other work on main');
    answerEverything(project.sessionDir('ship'));
    expect((await project.run(args)).exitCode).toBe(5);
    answerEverything(project.sessionDir('ship'));
    // The logo is a binary file: the review of the diff asks the person first.
    const review = await project.run(args);
    expect(review.exitCode, review.stderr).toBe(5);
    const reviewFile = join(project.sessionDir('ship'), '_review.md');
    expect(readFileSync(reviewFile, 'utf8')).toContain('binary_file');
    writeFileSync(
      reviewFile,
      readFileSync(reviewFile, 'utf8').replace('**Decision:** _waiting_', '**Decision:** approved'),
    );
    const done = await project.run(args);
    expect(done.exitCode, done.stderr).toBe(0);
    const dir = project.sessionDir('ship');

    const delivery = join(dir, '_delivery');
    const files = readdirSync(delivery).sort();
    expect(files).toEqual([
      '0001-Add-the-app-a-logo-and-a-script.patch',
      '0002-Move-the-app-to-lib.patch',
      '0003-Describe-the-app.patch',
      'combined.mbox',
      'summary.md',
    ]);
    expect(readdirSync(dir).filter((f) => f.startsWith('_delivery'))).toEqual(['_delivery']);

    const clone = join(project.root, 'clone');
    git(project.root, 'clone', '-q', '--single-branch', '-b', 'main', project.repo, clone);
    const history = readHistory(dir);
    const delivered = history.find((e) => e.event === 'delivered')!;
    git(clone, 'switch', '-q', '-c', 'applied', delivered.delivery.baseSha);
    git(clone, 'am', '-q', join(delivery, 'combined.mbox'));
    expect(git(clone, 'rev-parse', 'HEAD^{tree}')).toBe(git(project.repo, 'rev-parse', 'samocode/ship^{tree}'));
    expect(git(clone, 'log', '--format=%s', `${delivered.delivery.baseSha}..HEAD`).split('\n')).toEqual([
      'Describe the app',
      'Move the app to lib',
      'Add the app, a logo and a script',
    ]);
    expect(readFileSync(join(clone, 'assets/logo.png')).toString('base64')).toBe(BINARY);

    expect(delivered.delivery).toMatchObject({
      mode: 'patch',
      base: 'main',
      branch: 'samocode/ship',
      commitCount: 3,
      patches: 3,
      mbox: true,
      verified: true,
      written: true,
      problems: [],
    });
    expect(delivered.delivery.baseSha).toBe(git(project.repo, 'rev-parse', 'main~1'));
    expect(readOverview(dir).data.delivery).toMatchObject({ dir: delivery, mode: 'patch', commits: 3, patches: 3 });

    const summary = readFileSync(join(delivery, 'summary.md'), 'utf8');
    expect(summary).toContain('# test task');
    expect(summary).toMatch(/\| Commits \| 3 \|/);
    expect(summary).toMatch(/\| Changes \| 4 files changed/);
    expect(summary).toContain('Move the app to lib');
    expect(summary).toContain(`git am ${delivery}/combined.mbox`);
    expect(summary).toMatch(/\| verify \| `test -f README.md` \| passed \| .* \| \d+ \| `_logs\//);
    expect(summary).toMatch(/\| app \| `test -f lib\/app.txt` \| passed \| .* \| \d+ \|/);

    // The run's last words and `status` say the same: branch, commits, changes, spent, where, next.
    for (const text of [done.stderr, (await status(project, 'ship')).stdout]) {
      expect(text).toMatch(/branch: +samocode\/ship from main/);
      expect(text).toMatch(/commits: +3: /);
      expect(text).toMatch(/changes: +4 files changed/);
      expect(text).toMatch(/checks: +verify passed in .*; app passed in /);
      expect(text).toMatch(/spent: +wall time .*agent time .*cost \$0\.00, tokens 0 in \/ 0 out/);
      expect(text).toContain(`delivery: `);
      expect(text).toContain(`${delivery}; 3 patches, combined.mbox, summary.md`);
      expect(text).toContain(`git am ${delivery}/combined.mbox`);
    }
    const json = JSON.parse((await status(project, 'ship', true)).stdout);
    expect(json.delivery).toMatchObject({ patches: 3, commitCount: 3, dir: delivery });
    expect(json.next).toContain('git am');
    const shown = await project.run(['history', '--config', project.configFile, '--session', 'ship']);
    expect(shown.stdout).toMatch(/delivered +done +DELIVER=patch +3 patches in /);

    // Once per session: a re-run of the done session delivers nothing again.
    const again = await project.run(args);
    expect(again.exitCode).toBe(0);
    expect(readHistory(dir).filter((e) => e.event === 'delivered')).toHaveLength(1);
    expect(again.stderr).toContain(`delivery: ${delivery}`);
  });

  test('a session with no commits, and a standalone session: summary.md only, said plainly', async () => {
    const project = createProject();
    const steps = fullSessionSteps();
    steps[4] = { signal: sig.go('testing') };
    const { done, dir } = await runToDone(project, 'research', steps, { ALLOW_EMPTY_DONE: 'true' });
    expect(done.exitCode, done.stderr).toBe(0);
    expect(readdirSync(join(dir, '_delivery'))).toEqual(['summary.md']);
    const summary = readFileSync(join(dir, '_delivery', 'summary.md'), 'utf8');
    expect(summary).toContain('no commits on samocode/research beyond main');
    expect(done.stderr).toContain('summary.md only: no commits on samocode/research beyond main');

    const standalone = createProject({ git: false });
    const alone = await runToDone(standalone, 'alone', steps);
    expect(alone.done.exitCode, alone.done.stderr).toBe(0);
    expect(readdirSync(join(alone.dir, '_delivery'))).toEqual(['summary.md']);
    expect(readFileSync(join(alone.dir, '_delivery', 'summary.md'), 'utf8')).toContain('standalone session: MAIN_REPO');
    expect(alone.done.stderr).toMatch(/branch: +none \(standalone session\)/);
  });

  test('DELIVER=push pushes the session branch to a bare remote and leaves the base alone', async () => {
    const project = createProject();
    const remote = bareRemote(project);
    const mainBefore = git(remote, 'rev-parse', 'main');
    const { done, dir } = await runToDone(project, 'pushed', fullSessionSteps(), { DELIVER: 'push' });
    expect(done.exitCode, done.stderr).toBe(0);
    expect(git(remote, 'rev-parse', 'samocode/pushed')).toBe(git(project.repo, 'rev-parse', 'samocode/pushed'));
    expect(git(remote, 'rev-parse', 'main')).toBe(mainBefore);
    expect(git(remote, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main\nrefs/heads/samocode/pushed');
    const delivered = readHistory(dir).find((e) => e.event === 'delivered')!;
    expect(delivered.delivery).toMatchObject({ mode: 'push', push: { remote: 'origin', ok: true }, problems: [] });
    expect(readdirSync(join(dir, '_delivery'))).toContain('combined.mbox');
    expect(readFileSync(join(dir, '_delivery', 'summary.md'), 'utf8')).toContain(
      'git fetch origin samocode/pushed\ngit merge FETCH_HEAD',
    );
    expect(done.stderr).toContain('pushed to origin');
  });

  test('DELIVER=pr pushes, runs gh pr create with the task and summary.md, and records the URL', async () => {
    const project = createProject();
    bareRemote(project);
    const gh = fakeGh(project);
    const { done, dir } = await runToDone(project, 'pr', fullSessionSteps(), { DELIVER: 'pr', ...gh.env });
    expect(done.exitCode, done.stderr).toBe(0);
    const delivery = join(dir, '_delivery');
    expect(readFileSync(join(gh.record, 'args'), 'utf8').split('\n').slice(0, -1)).toEqual([
      'pr',
      'create',
      '--head',
      'samocode/pr',
      '--base',
      'main',
      '--title',
      'test task',
      '--body-file',
      join(delivery, 'summary.md'),
    ]);
    expect(readFileSync(join(gh.record, 'body'), 'utf8')).toContain('## Commits');
    const url = 'https://github.com/example/repo/pull/42';
    expect(readHistory(dir).find((e) => e.event === 'delivered')!.delivery.prUrl).toBe(url);
    expect(readFileSync(join(delivery, 'summary.md'), 'utf8')).toContain(`Pull request: ${url}`);
    expect(done.stderr).toContain(`next:     review and merge the pull request: ${url}`);
    expect((await status(project, 'pr')).stdout).toContain(`pull request ${url}`);
    expect(JSON.parse((await status(project, 'pr', true)).stdout).delivery.prUrl).toBe(url);
    expect(readOverview(dir).data.delivery).toMatchObject({ prUrl: url, pushed: 'origin' });
  });

  test('a failed push (no such remote) keeps the patches, says the fix, and the session is done', async () => {
    const project = createProject();
    const { done, dir } = await runToDone(project, 'nopush', fullSessionSteps(), { DELIVER: 'push' });
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.stderr).toContain('is done after 8 iterations (with a delivery warning)');
    expect(done.stderr).toMatch(/warning: +git push to origin failed: .*origin/);
    expect(done.stderr).toContain(`git -C ${join(project.worktrees, 'nopush')} push origin samocode/nopush`);
    expect(readdirSync(join(dir, '_delivery'))).toContain('combined.mbox');
    expect(readOverview(dir).data).toMatchObject({ status: 'done', delivery: { problems: 1 } });
    const summary = readFileSync(join(dir, '_delivery', 'summary.md'), 'utf8');
    expect(summary).toContain('## Problems');
    expect(summary).toContain('**push**: git push to origin failed');
  });

  test('a failing gh keeps the pushed branch and the patches, says the fix, and the session is done', async () => {
    const project = createProject();
    const remote = bareRemote(project);
    const gh = fakeGh(project, 1);
    const { done, dir } = await runToDone(project, 'noghpr', fullSessionSteps(), { DELIVER: 'pr', ...gh.env });
    expect(done.exitCode, done.stderr).toBe(0);
    expect(git(remote, 'rev-parse', 'samocode/noghpr')).toBe(git(project.repo, 'rev-parse', 'samocode/noghpr'));
    expect(done.stderr).toMatch(/warning: +gh pr create failed: exit 1: GraphQL: Resource not accessible/);
    expect(done.stderr).toContain("gh pr create --head samocode/noghpr --base main --title 'test task' --body-file");
    expect(readdirSync(join(dir, '_delivery'))).toContain('combined.mbox');
    const delivered = readHistory(dir).find((e) => e.event === 'delivered')!.delivery;
    expect(delivered.prUrl).toBeUndefined();
    expect(delivered.problems.map((p: { step: string }) => p.step)).toEqual(['pr']);
  });
});

describe('a run that ends before done', () => {
  test('blocked: the last words say where things stand, with the commits so far and the command that goes on', async () => {
    const project = createProject();
    const steps: Step[] = [
      { files: { 'a.txt': 'a\n' }, commit: 'Start', signal: sig.block('needs an API key', 'put it in .env') },
    ];
    const result = await project.run(sessionArgs(project, 'stuck', project.scenario(steps)));
    expect(result.exitCode).toBe(4);
    const tail = result.stderr.slice(result.stderr.indexOf('where things stand:'));
    expect(tail).toMatch(/branch: +samocode\/stuck from main/);
    expect(tail).toMatch(/commits: +1\n/);
    expect(tail).toMatch(/changes: +1 file changed, 1 insertion\(\+\)/);
    expect(tail).toMatch(/delivery: +not yet: written when the session is done/);
    expect(tail).toContain(`next:     orchestrate --config ${project.configFile} --session stuck`);
    expect(existsSync(join(project.sessionDir('stuck'), '_delivery'))).toBe(false);
  });
});

describe('a crash mid-delivery', () => {
  test('kill -9 while the mbox is written: no delivery is believed complete, and the next run makes it whole', async () => {
    const project = createProject();
    const bin = join(project.root, 'bin');
    const mark = join(project.root, 'hanging-git.pid');
    mkdirSync(bin);
    // A git that hangs in `format-patch --stdout` (the mbox), and is real git for everything else.
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\nfor a in "$@"; do if [ "$a" = --stdout ]; then echo $$ > "${mark}"; exec sleep 600; fi; done\nexec ${realGit} "$@"\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    const steps = fullSessionSteps();
    const args = sessionArgs(project, 'crash', project.scenario(steps));
    for (let run = 0; run < 2; run++) {
      expect((await project.run(args)).exitCode).toBe(5);
      answerEverything(project.sessionDir('crash'));
    }
    const child = project.start(args, { env: { PATH: `${bin}:${process.env.PATH}` } });
    const hung = Number(await waitFor(() => existsSync(mark) && readFileSync(mark, 'utf8').trim(), 30_000, 'the mbox'));
    child.kill('SIGKILL');
    await child.result;
    try {
      process.kill(hung, 'SIGKILL');
    } catch {
      // already gone
    }
    const dir = project.sessionDir('crash');
    const names = readdirSync(dir).filter((f) => f.startsWith('_delivery'));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^_delivery\.tmp-/);
    expect(readOverview(dir).data).toMatchObject({ status: 'done' });
    expect(readOverview(dir).data.delivery).toBeUndefined();
    expect(readHistory(dir).some((e) => e.event === 'delivered')).toBe(false);

    const again = await project.run(args);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('_delivery'))).toEqual(['_delivery']);
    expect(readdirSync(join(dir, '_delivery'))).toEqual(['0001-Add-feature.patch', 'combined.mbox', 'summary.md']);
    expect(readHistory(dir).filter((e) => e.event === 'delivered')).toHaveLength(1);
  });
});

describe('the end of every run, in Telegram', () => {
  let fake: FakeTelegram | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  test('waiting and done runs end with where things stand; no secret reaches the chat or summary.md', async () => {
    const token = '123456:TESTTOKENabcdefghijklmnopqrstuv';
    const secret = 'pa55-w0rd-very-secret-value';
    fake = await startFakeTelegram({ token });
    const project = createProject();
    const steps = fullSessionSteps();
    steps[4] = { files: { 'a.txt': 'a\n' }, commit: `Add a (key ${secret})`, signal: sig.go('testing') };
    const env = {
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_CHAT_ID: '4242',
      TELEGRAM_API_ROOT: fake.url,
      MY_API_TOKEN: secret,
    };
    const { done, dir } = await runToDone(project, 'tg', steps, env);
    expect(done.exitCode, done.stderr).toBe(0);
    const sent = fake.sent.map((m) => m.text.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&'));
    const ended = sent.filter((t) => t.includes('run ended (waiting): where things stand'));
    expect(ended).toHaveLength(2);
    expect(ended[0]).toMatch(/branch: samocode\/tg from main/);
    expect(ended[0]).toContain('delivery: not yet');
    expect(ended[0]).toContain(`next: orchestrate --config ${project.configFile} --session tg`);
    const finished = sent.find((t) => t.includes('finished'))!;
    expect(finished).toMatch(/commits: 1: [0-9a-f]{7} Add a \(key \[redacted\]\)/);
    expect(finished).toContain('changes: 1 file changed, 1 insertion(+)');
    expect(finished).toContain('checks: none ran');
    expect(finished).toMatch(/spent: wall time .*tokens 0 in \/ 0 out/);
    expect(finished).toContain(`delivery: ${join(dir, '_delivery')}; 1 patch`);
    expect(finished).toContain('git am');
    const summary = readFileSync(join(dir, '_delivery', 'summary.md'), 'utf8');
    const stored = ['_signal_history.jsonl', '_overview.md'].map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const text of [...sent, summary, ...stored, done.stderr, done.stdout]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('TESTTOKEN');
    }
    expect(existsSync(join(dir, '_delivery', 'combined.mbox'))).toBe(true);
  });
});
