// How to start each provider headless: one command line per provider, and the environment. What samocode knows
// about each provider is in core/provider-facts.ts; reading their streams is agent/streams/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Provider } from '../core/provider-facts.js';
import { PACKAGE_ROOT } from './prompt-source.js';

export interface SpawnContext {
  /** The prompt, written for this attempt: it is the agent's stdin (never argv, which Linux caps at 128 KiB a string). */
  promptFile: string;
  sessionDir: string;
  workingDir: string;
  signalFile: string;
  phase: string;
  iteration: number;
  attempt: number;
  runId: string;
}

export interface Invocation {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** The scripted agent shipped with samocode (built by build.mjs). */
export const SCRIPT_AGENT = join(PACKAGE_ROOT, 'dist', 'script-agent.js');

/** Variables of the orchestrator's own that the agent must never see. */
const WITHHELD = /^TELEGRAM_/;

export function agentEnvironment(
  base: NodeJS.ProcessEnv,
  ctx: SpawnContext,
  provider: Provider,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !WITHHELD.test(name)) env[name] = value;
  }
  Object.assign(env, {
    SAMOCODE_SESSION_PATH: ctx.sessionDir,
    SAMOCODE_WORKING_DIR: ctx.workingDir,
    SAMOCODE_SIGNAL_FILE: ctx.signalFile,
    SAMOCODE_PHASE: ctx.phase,
    SAMOCODE_ITERATION: String(ctx.iteration),
    SAMOCODE_ATTEMPT: String(ctx.attempt),
    SAMOCODE_PROMPT_FILE: ctx.promptFile,
    SAMOCODE_RUN_ID: ctx.runId,
  });
  COMMAND_LINES[provider].environment?.(env);
  return env;
}

/**
 * Codex's workspace-write sandbox keeps git metadata read-only, so an agent in a worktree cannot commit (index.lock:
 * Read-only file system; openai/codex#23661). The worktree's own git dir and the shared objects, refs and logs are
 * what a commit writes: add them. Nothing for a standalone session or a plain checkout (its .git is inside the dir).
 */
export function gitWritableDirs(workingDir: string): string[] {
  let pointer: string;
  try {
    pointer = readFileSync(join(workingDir, '.git'), 'utf8');
  } catch {
    return [];
  }
  const gitDir = /^gitdir:\s*(.+)\s*$/m.exec(pointer)?.[1]?.trim();
  if (!gitDir) return [];
  const worktreeGitDir = isAbsolute(gitDir) ? gitDir : join(workingDir, gitDir);
  const common = dirname(dirname(worktreeGitDir));
  return [worktreeGitDir, join(common, 'objects'), join(common, 'refs'), join(common, 'logs')].filter((dir) =>
    existsSync(dir),
  );
}

export function invocation(
  config: Config,
  provider: Provider,
  ctx: SpawnContext,
  baseEnv: NodeJS.ProcessEnv,
): Invocation {
  return { ...COMMAND_LINES[provider].commandLine(config, ctx), env: agentEnvironment(baseEnv, ctx, provider) };
}

/** How one provider is started: its command line, and the variables of its own on top of agentEnvironment's. */
interface CommandLine {
  commandLine(config: Config, ctx: SpawnContext): Omit<Invocation, 'env'>;
  environment?(env: Record<string, string>): void;
}

const COMMAND_LINES: Record<Provider, CommandLine> = {
  script: {
    commandLine: (config) => ({ command: process.execPath, args: [SCRIPT_AGENT, config.scriptPath ?? ''] }),
  },
  claude: {
    commandLine: ({ claude }, ctx) => {
      const permissions =
        claude.permissionMode === 'bypassPermissions'
          ? ['--dangerously-skip-permissions']
          : ['--permission-mode', claude.permissionMode];
      // The session folder is outside the working dir: --add-dir lets the agent write its files and the signal there.
      // `-p` without a prompt argument reads the prompt from stdin.
      const args = ['-p', '--output-format', 'stream-json', '--verbose', ...permissions, '--add-dir', ctx.sessionDir];
      if (claude.model) args.push('--model', claude.model);
      if (claude.maxTurns) args.push('--max-turns', String(claude.maxTurns));
      return { command: claude.path, args: [...args, ...claude.args] };
    },
    environment: (env) => {
      // Claude Code refuses --dangerously-skip-permissions as root unless IS_SANDBOX is exactly "1" (or
      // CLAUDE_CODE_BUBBLEWRAP is set): a machine's IS_SANDBOX=yes would make it refuse, so "1" wins over any value.
      if (process.getuid?.() === 0) env.IS_SANDBOX = '1';
      env.DISABLE_AUTOUPDATER ??= '1';
      // Claude retries a failing API for ~3 minutes by default (401s included): keep its own retries short so samocode's
      // policy decides, and a dead API costs seconds. A value set by the person wins.
      env.CLAUDE_CODE_MAX_RETRIES ??= '2';
    },
  },
  codex: {
    commandLine: ({ codex }, ctx) => {
      // codex exec 0.169 has no --full-auto; workspace-write plus --add-dir is what lets it write the session folder.
      const sandbox =
        codex.sandbox === 'danger-full-access'
          ? ['--dangerously-bypass-approvals-and-sandbox']
          : [
              '-s',
              codex.sandbox,
              '--add-dir',
              ctx.sessionDir,
              ...gitWritableDirs(ctx.workingDir).flatMap((dir) => ['--add-dir', dir]),
            ];
      const args = ['exec', '--json', '--skip-git-repo-check', ...sandbox, '-C', ctx.workingDir];
      if (codex.model) args.push('-m', codex.model);
      // `-` as the prompt: read it from stdin.
      return { command: codex.path, args: [...args, ...codex.args, '-'] };
    },
  },
};
