// `orchestrate install` / `uninstall`: put samocode's skills and commands where Claude Code and Codex find them.
// (Being written.)
export interface InstallOptions {
  /** Install into the project (<cwd>/.claude …) instead of the user's home. */
  project: boolean;
  uninstall: boolean;
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
}

export function runInstall(_opts: InstallOptions): string {
  throw new Error('not implemented');
}
