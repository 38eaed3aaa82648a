// `orchestrate install` / `uninstall`: put samocode's skills and commands where Claude Code and Codex find them, and
// take away exactly what was put there. The planning is pure (plan.ts); this reads, plans, executes, reports.
import { homedir } from 'node:os';
import { PACKAGE_ROOT } from '../../agent/prompt-source.js';
import { EXIT_CODES, InstallError } from '../../errors.js';
import type { CommandInput } from '../flags.js';
import { execute, packageVersion, projectRoot, readDisk, readManifest, readPackage, type Outcome } from './disk.js';
import {
  checkPackage,
  pathsToRead,
  planInstall,
  planUninstall,
  projectLayout,
  targets,
  userLayout,
  type Plan,
  type Target,
} from './plan.js';
import { formatReport } from './report.js';

export interface InstallOptions {
  /** Install into the project (the git root of the cwd, or the cwd outside git: <root>/.claude …) instead of the user's home. */
  project: boolean;
  uninstall: boolean;
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
}

/** `orchestrate install` and `uninstall`, from the command line. */
export async function installCommand({ values }: CommandInput, { uninstall }: { uninstall: boolean }): Promise<number> {
  const text = runInstall({
    project: values.project ?? false,
    uninstall,
    cwd: process.cwd(),
    home: homedir(),
    env: process.env,
  });
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return EXIT_CODES.done;
}

/** Carry out install or uninstall and return the report. Throws InstallError (exit 3) when a step failed. */
export function runInstall(opts: InstallOptions): string {
  const layout = opts.project ? projectLayout(projectRoot(opts.cwd)) : userLayout(opts.home, opts.env);
  const manifest = readManifest(layout);

  if (opts.uninstall) {
    // Uninstall needs only the manifest: it works even with a different (or broken) samocode package.
    const plan = planUninstall({ layout, manifest, disk: readDisk(pathsToRead(layout, [], manifest)) });
    return finish(plan, execute(plan, manifest), []);
  }

  const files = readPackage(PACKAGE_ROOT);
  const problems = checkPackage(files);
  // The package's own files are checked by the tests; a broken one here is a bug, not something to work around.
  if (problems.length > 0)
    throw new Error(`samocode's skills and commands in ${PACKAGE_ROOT} are broken:\n  ${problems.join('\n  ')}`);
  const list = targets(files, layout);
  const disk = readDisk(pathsToRead(layout, list, manifest));
  const plan = planInstall({ layout, targets: list, manifest, disk, version: packageVersion(PACKAGE_ROOT) });
  return finish(plan, execute(plan, manifest), list);
}

function finish(plan: Plan, outcome: Outcome, list: Target[]): string {
  const report = formatReport(plan, outcome, list);
  if (outcome.failed.size > 0) throw new InstallError(report);
  return report;
}
