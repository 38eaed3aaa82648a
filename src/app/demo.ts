// `orchestrate demo`: a throwaway git repository and a whole session on the scripted agent, no API key.
// It answers the two waiting gates itself (as a person editing _qa.md and _plan.md would), so it runs to done.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../agent/prompt-source.js';
import type { HumanGate } from '../loop/ports.js';
import { runOrchestrator } from './run.js';
import type { Shutdown } from './shutdown.js';

export const DEMO_SCENARIO = join(PACKAGE_ROOT, 'scenarios', 'demo.json');

export async function runDemo(opts: { quiet: boolean; shutdown: Shutdown }): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'samocode-demo-'));
  const repo = join(root, 'repo');
  const git = (...args: string[]) => execa('git', args, { cwd: repo });
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(join(repo, 'README.md'), '# demo\n\nA tiny repository for the samocode demo.\n');
  await git('add', '-A');
  await git('-c', 'user.name=samocode demo', '-c', 'user.email=demo@samocode.invalid', 'commit', '-q', '-m', 'Initial commit');
  const configFile = join(root, '.samocode');
  writeFileSync(configFile, ['MAIN_REPO=./repo', 'WORKTREES=./worktrees', 'SESSIONS=./sessions', 'PROVIDER=script', ''].join('\n'));

  process.stderr.write(`demo: repository ${repo}, config ${configFile}\n`);
  const result = await runOrchestrator({
    configPath: configFile,
    session: 'demo',
    task: 'Add a greet(name) function with tests',
    dive: 'the whole (tiny) repository',
    flags: { SAMOCODE_SCRIPT: DEMO_SCENARIO, SAMOCODE_PROVIDER: 'script' },
    flagNames: { SAMOCODE_SCRIPT: 'demo scenario', SAMOCODE_PROVIDER: 'demo' },
    quiet: opts.quiet,
    // Commits made by the scripted agent need an identity even on a machine without git config.
    env: { ...process.env, GIT_AUTHOR_NAME: 'samocode demo', GIT_AUTHOR_EMAIL: 'demo@samocode.invalid', GIT_COMMITTER_NAME: 'samocode demo', GIT_COMMITTER_EMAIL: 'demo@samocode.invalid' },
    cwd: root,
    home: homedir(),
    shutdown: opts.shutdown,
    wait: { onWaiting: true, onBlocked: false },
    gate: (person) => demoGate(join(root, 'sessions'), person),
  });
  process.stderr.write(`\n${result.message}\n`);
  process.stderr.write(
    `\ndemo: look around —\n  session folder: ${result.sessionDir}\n    _overview.md (state + notes), _signal_history.jsonl (every iteration), _logs/ (prompts and agent output), session.log\n  worktree:       ${join(root, 'worktrees', 'demo')} (git log shows the agent's commits)\n`,
  );
  return result.exitCode;
}

/**
 * Plays the person: takes every suggestion in _qa.md and approves _plan.md by editing the files, exactly as a person
 * would, then lets the real gate (which watches those files) notice the answer and resume.
 */
function demoGate(sessionsDir: string, person: HumanGate): HumanGate {
  return {
    async wait(state, signal, opts) {
      const sessionDir = join(sessionsDir, state.session);
      if (state.waitingFor === 'qa_answers') answer(join(sessionDir, '_qa.md'), /\*\*Answer:\*\* _waiting_/g, '**Answer:** A (demo: took the suggestion)');
      if (state.waitingFor === 'plan_approval') answer(join(sessionDir, '_plan.md'), /\*\*Approval:\*\* _waiting_/g, '**Approval:** approved');
      return person.wait(state, signal, opts);
    },
  };
}

function answer(file: string, pattern: RegExp, replacement: string): void {
  process.stderr.write(`demo: answering as a person would: editing ${file}\n`);
  writeFileSync(file, readFileSync(file, 'utf8').replace(pattern, replacement));
}
