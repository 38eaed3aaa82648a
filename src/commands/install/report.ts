// The text `orchestrate install` / `uninstall` prints: each file with what happened to it, the manifest, and where
// Claude Code and Codex find what was installed. Pure.
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { Layout, Plan, Status, Target } from './plan.js';

export interface ReportOutcome {
  failed: ReadonlyMap<string, string>;
  removedDirs: string[];
  manifest: 'written' | 'removed' | 'unchanged';
}

const ORDER: Status[] = ['installed', 'updated', 'unchanged', 'skipped', 'removed', 'kept', 'gone'];
const LABEL: Record<Status, string> = {
  installed: 'installed',
  updated: 'updated',
  unchanged: 'unchanged',
  skipped: 'skipped',
  removed: 'removed',
  kept: 'kept',
  gone: 'already gone',
};

export function formatReport(plan: Plan, outcome: ReportOutcome, targetList: Target[]): string {
  const show = (path: string) => displayPath(plan.layout, path);
  const where = plan.layout.scope === 'user' ? 'user scope' : `project ${plan.layout.base}`;
  const lines: string[] = [];

  if (plan.action === 'uninstall' && !plan.hadManifest) {
    return `samocode uninstall (${where}): nothing to uninstall. There is no install manifest at ${show(plan.layout.manifest)}, so samocode has installed nothing here.`;
  }

  const counts = new Map<string, number>();
  for (const step of plan.files) {
    const key = outcome.failed.has(step.path) ? 'failed' : step.status;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const tally = [...ORDER, 'failed' as const]
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s === 'failed' ? 'failed' : LABEL[s]}`)
    .join(', ');
  const changed =
    plan.files.some((s) => ['installed', 'updated', 'removed'].includes(s.status)) || outcome.removedDirs.length > 0;
  const headline =
    plan.action === 'install' && !changed && outcome.failed.size === 0
      ? `already up to date, nothing changed (${tally})`
      : tally || 'no files';
  lines.push(`samocode ${plan.action} (${where}): ${headline}`);

  const width = Math.max(...[...Object.values(LABEL), 'failed'].map((l) => l.length)) + 2;
  for (const step of plan.files) {
    const failure = outcome.failed.get(step.path);
    const label = failure ? 'failed' : LABEL[step.status];
    const why = failure ? `${failure}; ${step.status === 'removed' ? 'not removed' : 'not written'}` : step.reason;
    lines.push(`  ${label.padEnd(width)}${show(step.path)}${why ? ` (${why})` : ''}`);
  }
  // Folders: only the outermost of each removed tree (its subfolders went with it).
  const removed = new Set(outcome.removedDirs);
  for (const dir of outcome.removedDirs.filter((d) => !removed.has(dirname(d))).sort()) {
    const tree = outcome.removedDirs.some((d) => dirname(d) === dir);
    lines.push(
      `  ${'removed'.padEnd(width)}${show(dir)}/ (${tree ? 'empty folders' : 'empty folder'} samocode had created)`,
    );
  }
  // Folders that could not be made: only the outermost (those below it fail with it).
  for (const [path, why] of outcome.failed) {
    if (plan.files.some((s) => s.path === path) || outcome.failed.has(dirname(path))) continue;
    lines.push(`  ${'failed'.padEnd(width)}${show(path)}${plan.mkdirs.includes(path) ? '/' : ''} (${why})`);
  }

  const manifestLine = {
    written: `manifest: ${show(plan.layout.manifest)} (lists what samocode installed; \`orchestrate uninstall${plan.layout.scope === 'project' ? ' --project' : ''}\` removes exactly that)`,
    unchanged: `manifest: ${show(plan.layout.manifest)} (unchanged)`,
    removed: `manifest removed: ${show(plan.layout.manifest)}`,
  }[outcome.manifest];
  lines.push('', manifestLine);

  if (plan.action === 'install') lines.push('', ...whereToFind(plan.layout, targetList, show));
  if (outcome.failed.size > 0) {
    lines.push(
      '',
      `Some files could not be ${plan.action === 'install' ? 'written' : 'removed'} (above). Fix the cause (permissions, something in the way) and run the same command again.`,
    );
  }
  return lines.join('\n');
}

function whereToFind(layout: Layout, targetList: Target[], show: (p: string) => string): string[] {
  const names = (kind: Target['kind']) => [
    ...new Set(targetList.filter((t) => t.kind === kind && t.agent === 'claude').map((t) => t.name)),
  ];
  const skills = names('skill');
  const commands = names('command');
  const claude = show(layout.claudeDir);
  const codex = show(layout.codexSkillsDir);
  const scope = layout.scope === 'user' ? 'in every project' : 'in this project';
  return [
    `Where the agents find them (${scope}; start a new session to load them):`,
    `  Claude Code  skills   ${claude}/skills/<name>/SKILL.md: ${skills.join(', ')} (used when relevant, or /<name>)`,
    `               commands ${claude}/commands/<name>.md: ${commands.map((c) => `/${c}`).join(', ')}`,
    `  Codex        skills   ${codex}/<name>/SKILL.md: the same skills, and the commands as skills: ${commands.map((c) => `$${c}`).join(', ')}`,
  ];
}

/** `~/…` under the home (user scope), relative to the project root (project scope), absolute otherwise. */
export function displayPath(layout: Layout, path: string): string {
  const rel = relative(layout.base, path);
  if (rel === '') return layout.scope === 'user' ? '~' : '.';
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return path;
  const portable = rel.split(sep).join('/');
  return layout.scope === 'user' ? `~/${portable}` : portable;
}
