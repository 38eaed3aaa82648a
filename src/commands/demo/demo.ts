// `orchestrate demo`: a throwaway git repository and a whole session on the scripted agent, no API key.
// It answers the two waiting gates itself (as a person editing _qa.md and _plan.md would), so it runs to done.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { SettingKey } from '../../config/settings.js';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../../agent/prompt-source.js';
import { PLAN_FILE, QA_FILE } from '../../core/session-files.js';
import type { HumanGate } from '../../loop/ports.js';
import { runOrchestrator } from '../run/run.js';
import { installShutdown, type Shutdown } from '../../io/shutdown.js';
import { settingFlags, type CommandInput } from '../flags.js';

export const DEMO_SCENARIO = join(PACKAGE_ROOT, 'scenarios', 'demo.json');

export interface DemoOptions {
  quiet: boolean;
  /** Keep the temp folder (and say where things are) instead of removing it at the end. */
  keep: boolean;
  /** Setting flags the demo honours (--log-format, --timeout). */
  flags?: Partial<Record<SettingKey, string>> | undefined;
  flagNames?: Partial<Record<SettingKey, string>> | undefined;
  shutdown: Shutdown;
}

/** `orchestrate demo`, from the command line. */
export async function demoCommand({ values }: CommandInput): Promise<number> {
  const { flags, flagNames } = settingFlags(values);
  const shutdown = installShutdown();
  try {
    return await runDemo({ quiet: values.quiet ?? false, keep: values.keep ?? false, flags, flagNames, shutdown });
  } finally {
    shutdown.dispose();
  }
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'samocode-demo-'));
  const remove = () => rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  // A second Ctrl-C exits at once: the temp folder goes too, unless it is to be kept.
  const unregister = opts.keep ? () => undefined : opts.shutdown.onForcedExit(remove);
  const say = (text: string) => {
    if (!opts.quiet) process.stderr.write(text);
  };
  try {
    const repo = join(root, 'repo');
    const git = (...args: string[]) => execa('git', args, { cwd: repo });
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, 'README.md'), '# demo\n\nA tiny repository for the samocode demo.\n');
    writeFileSync(join(repo, 'package.json'), '{ "name": "demo", "private": true, "type": "module" }\n');
    await git('add', '-A');
    await git(
      '-c',
      'user.name=samocode demo',
      '-c',
      'user.email=demo@samocode.invalid',
      'commit',
      '-q',
      '-m',
      'Initial commit',
    );
    const configFile = join(root, '.samocode');
    writeFileSync(
      configFile,
      [
        'MAIN_REPO=./repo',
        'WORKTREES=./worktrees',
        'SESSIONS=./sessions',
        'PROVIDER=script',
        // samocode's own check: it runs the tests itself before it believes "tested" or "done".
        'VERIFY=node --test',
        '',
      ].join('\n'),
    );

    say(
      opts.keep
        ? `demo: a throwaway repository in ${root}\n`
        : 'demo: a whole session in a throwaway repository (removed at the end; --keep keeps it)\n',
    );
    const result = await runOrchestrator({
      configPath: configFile,
      session: 'demo',
      task: 'Add a greet(name) function with tests',
      dive: 'the whole (tiny) repository',
      flags: { ...opts.flags, SAMOCODE_SCRIPT: DEMO_SCENARIO, SAMOCODE_PROVIDER: 'script' },
      flagNames: { ...opts.flagNames, SAMOCODE_SCRIPT: 'demo scenario', SAMOCODE_PROVIDER: 'demo' },
      quiet: opts.quiet,
      // Commits made by the scripted agent need an identity even on a machine without git config.
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'samocode demo',
        GIT_AUTHOR_EMAIL: 'demo@samocode.invalid',
        GIT_COMMITTER_NAME: 'samocode demo',
        GIT_COMMITTER_EMAIL: 'demo@samocode.invalid',
      },
      cwd: root,
      home: homedir(),
      shutdown: opts.shutdown,
      wait: { onWaiting: true, onBlocked: false },
      gate: (person) => demoGate(join(root, 'sessions'), person, say),
    });
    // Without --keep the folders are gone by the time this is read: say what happened, not where.
    const state = result.outcome?.state;
    const ended =
      !opts.keep && result.outcome?.kind === 'done' && state
        ? `session ${state.session} is done after ${state.iterations} iterations.`
        : result.message;
    process.stderr.write(`\n${ended}\n`);
    if (opts.keep) {
      process.stderr.write(
        `\ndemo: look around —\n  session folder: ${result.sessionDir}\n    _overview.md (state + notes), _signal_history.jsonl (every iteration), _logs/ (prompts and agent output), session.log\n  worktree:       ${join(root, 'worktrees', 'demo')} (git log shows the agent's commits)\n  remove it when done: rm -rf ${root}\n`,
      );
    } else {
      say(
        '\ndemo: removed its temp folder; run orchestrate demo --keep to look at the session folder and worktree it leaves\n',
      );
    }
    return result.exitCode;
  } finally {
    unregister();
    if (!opts.keep) remove();
  }
}

/**
 * Plays the person: takes every suggestion in _qa.md and approves _plan.md by editing the files, exactly as a person
 * would, then lets the real gate (which watches those files) notice the answer and resume.
 */
function demoGate(sessionsDir: string, person: HumanGate, say: (text: string) => void): HumanGate {
  return {
    async wait(state, signal, opts) {
      const sessionDir = join(sessionsDir, state.session);
      if (state.waitingFor === 'qa_answers')
        answer(
          join(sessionDir, QA_FILE),
          /\*\*Answer:\*\* _waiting_/g,
          '**Answer:** A (demo: took the suggestion)',
          say,
        );
      if (state.waitingFor === 'plan_approval')
        answer(join(sessionDir, PLAN_FILE), /\*\*Approval:\*\* _waiting_/g, '**Approval:** approved', say);
      return person.wait(state, signal, opts);
    },
  };
}

function answer(file: string, pattern: RegExp, replacement: string, say: (text: string) => void): void {
  say(`demo: answering as a person would: editing ${basename(file)}\n`);
  writeFileSync(file, readFileSync(file, 'utf8').replace(pattern, replacement));
}
