// A commit needs an identity. A fresh machine, a container or a CI user often has none, and then the agent's
// `git commit` fails (a Codex session once ended "done and committed" with no commit at all). When the working dir's
// repository has no user.name or user.email, the agent (and the checks) get one through GIT_AUTHOR_* and
// GIT_COMMITTER_* in their environment: nothing is written to the person's git config.
import { execa } from 'execa';

export interface Identity {
  name: string;
  email: string;
}

/**
 * The variables to add to the agent's environment so that `git commit` has an identity; empty when git already
 * has one (from its config, or from variables already set). `env` is the environment the agent gets.
 */
export async function identityEnv(
  workingDir: string,
  env: NodeJS.ProcessEnv,
  fallback: Identity,
): Promise<Record<string, string>> {
  const configured = async (key: string) => {
    const result = await execa('git', ['config', '--get', key], {
      cwd: workingDir,
      env: withoutUndefined(env),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    return result.exitCode === 0 && String(result.stdout).trim() !== '';
  };
  const extra: Record<string, string> = {};
  const fill = async (part: 'NAME' | 'EMAIL', key: string, value: string) => {
    if (env[`GIT_AUTHOR_${part}`] && env[`GIT_COMMITTER_${part}`]) return;
    if (await configured(key)) return;
    if (!env[`GIT_AUTHOR_${part}`]) extra[`GIT_AUTHOR_${part}`] = value;
    if (!env[`GIT_COMMITTER_${part}`]) extra[`GIT_COMMITTER_${part}`] = value;
  };
  await fill('NAME', 'user.name', fallback.name);
  await fill('EMAIL', 'user.email', fallback.email);
  return extra;
}

function withoutUndefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}
