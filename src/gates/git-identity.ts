// A commit needs an identity. A fresh machine, a container or a CI user often has none, and then the agent's
// `git commit` fails (a Codex session once ended "done and committed" with no commit at all). When the working dir's
// repository has no user.name or user.email, the agent (and the checks) get one through GIT_AUTHOR_* and
// GIT_COMMITTER_* in their environment: nothing is written to the person's git config.
import { git } from '../io/git.js';
import { identityFromFiles } from '../io/git-files.js';

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
  // Set for both author and committer, they win over any config: nothing to ask.
  if (['AUTHOR', 'COMMITTER'].every((who) => env[`GIT_${who}_NAME`] && env[`GIT_${who}_EMAIL`])) return {};
  // Both in the config files, plainly: no git call (it is on the way to the first spawn); else one for both keys.
  if (identityFromFiles(workingDir, env)) return {};
  const found = await git(workingDir, ['config', '--get-regexp', '^user\\.(name|email)$'], withoutUndefined(env));
  const configured = new Set(
    found.out
      .split('\n')
      .filter((line) => /^user\.(name|email) \S/.test(line))
      .map((line) => line.slice(0, line.indexOf(' '))),
  );
  const extra: Record<string, string> = {};
  for (const [part, key, value] of [
    ['NAME', 'user.name', fallback.name],
    ['EMAIL', 'user.email', fallback.email],
  ] as const) {
    if (configured.has(key)) continue;
    if (!env[`GIT_AUTHOR_${part}`]) extra[`GIT_AUTHOR_${part}`] = value;
    if (!env[`GIT_COMMITTER_${part}`]) extra[`GIT_COMMITTER_${part}`] = value;
  }
  return extra;
}

function withoutUndefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}
