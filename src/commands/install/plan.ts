// `orchestrate install` / `uninstall`, the pure part: which file goes where for Claude Code and Codex, and, given
// what is on disk and what samocode recorded at the last install (the manifest), what to write, keep and remove.
// No fs here: the caller reads the disk into a DiskState first (disk.ts) and carries the plan out.
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import matter from 'gray-matter';
// zod's mini API, with English messages: core/zod.ts.
import * as z from '../../core/zod.js';
import { oneLine } from '../../core/text.js';

export type Scope = 'user' | 'project';
export type Agent = 'claude' | 'codex';

/** One file of the package: `skills/<name>/<rel>` (a skill may hold more than SKILL.md) or `commands/<name>.md`. */
export interface PackageFile {
  kind: 'skill' | 'command';
  name: string;
  /** Path inside the skill folder (`SKILL.md`, `references/x.md`); for a command, `<name>.md`. */
  rel: string;
  content: string;
}

/** Where one scope puts things. All paths absolute. */
export interface Layout {
  scope: Scope;
  /** The home folder (user) or the project root (project). Manifest paths are relative to it. */
  base: string;
  /** Claude Code's folder: `~/.claude` (or $CLAUDE_CONFIG_DIR), `<root>/.claude`. Holds skills/ and commands/. */
  claudeDir: string;
  /** Where Codex reads skills: `~/.agents/skills`, `<root>/.agents/skills`. */
  codexSkillsDir: string;
  /** The manifest: the list of what samocode installed in this scope. */
  manifest: string;
}

export const MANIFEST_NAME = '.samocode-install.json';

/**
 * User scope. Claude Code reads `~/.claude/skills/<name>/SKILL.md` and `~/.claude/commands/<name>.md` (under
 * $CLAUDE_CONFIG_DIR when that is set). Codex reads user skills from `$HOME/.agents/skills` (its older
 * `$CODEX_HOME/skills` is kept only for compatibility, and custom prompts, `$CODEX_HOME/prompts`, were removed in
 * Codex 0.117), so Codex gets the commands as skills too.
 */
export function userLayout(home: string, env: NodeJS.ProcessEnv): Layout {
  const configured = env.CLAUDE_CONFIG_DIR?.trim();
  const claudeDir = configured ? resolve(home, expandHome(configured, home)) : resolve(home, '.claude');
  return {
    scope: 'user',
    base: resolve(home),
    claudeDir,
    codexSkillsDir: resolve(home, '.agents', 'skills'),
    manifest: resolve(claudeDir, MANIFEST_NAME),
  };
}

/** Project scope: `<root>/.claude/{skills,commands}` for Claude Code, `<root>/.agents/skills` for Codex. */
export function projectLayout(root: string): Layout {
  const base = resolve(root);
  return {
    scope: 'project',
    base,
    claudeDir: resolve(base, '.claude'),
    codexSkillsDir: resolve(base, '.agents', 'skills'),
    manifest: resolve(base, '.claude', MANIFEST_NAME),
  };
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? home + path.slice(1) : path;
}

/** A file samocode puts in place: where, for which agent, with what content. */
export interface Target {
  agent: Agent;
  kind: 'skill' | 'command';
  name: string;
  path: string;
  content: string;
}

/**
 * Every file of the package at its place for both agents. Claude Code takes skills and commands as they are;
 * Codex takes the skills as they are and each command turned into a skill of the same name.
 */
export function targets(files: PackageFile[], layout: Layout): Target[] {
  const out: Target[] = [];
  for (const file of sortFiles(files)) {
    if (file.kind === 'skill') {
      const content = file.content;
      out.push({
        agent: 'claude',
        kind: 'skill',
        name: file.name,
        path: resolve(layout.claudeDir, 'skills', file.name, file.rel),
        content,
      });
      out.push({
        agent: 'codex',
        kind: 'skill',
        name: file.name,
        path: resolve(layout.codexSkillsDir, file.name, file.rel),
        content,
      });
    } else {
      out.push({
        agent: 'claude',
        kind: 'command',
        name: file.name,
        path: resolve(layout.claudeDir, 'commands', `${file.name}.md`),
        content: file.content,
      });
      out.push({
        agent: 'codex',
        kind: 'command',
        name: file.name,
        path: resolve(layout.codexSkillsDir, file.name, 'SKILL.md'),
        content: codexSkillFromCommand(file.name, file.content),
      });
    }
  }
  // Claude Code's files first, then Codex's (a stable sort keeps skills before commands within each).
  return out.sort((a, b) => Number(a.agent === 'codex') - Number(b.agent === 'codex'));
}

function sortFiles(files: PackageFile[]): PackageFile[] {
  const order = (f: PackageFile) => `${f.kind === 'skill' ? 0 : 1}/${f.name}/${f.rel}`;
  return [...files].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/**
 * A Claude Code command as a Codex skill: front matter `name` + `description` (what Codex reads; Claude-only keys
 * such as `allowed-tools` are dropped), a line saying what `$ARGUMENTS` means there, then the command's text.
 */
export function codexSkillFromCommand(name: string, content: string): string {
  const parsed = splitFrontMatter(content);
  const description =
    typeof parsed.data.description === 'string' ? oneLine(parsed.data.description) : `samocode ${name}`;
  const hint = typeof parsed.data['argument-hint'] === 'string' ? ` ${oneLine(parsed.data['argument-hint'])}` : '';
  return [
    '---',
    `name: ${name}`,
    `description: ${JSON.stringify(description)}`,
    '---',
    '',
    `In Codex, use this skill as \`$${name}${hint}\`. Below, \`$ARGUMENTS\` stands for what the person wrote after \`$${name}\`; if they wrote nothing, ask them for it.`,
    '',
    parsed.body.replace(/^\n+/, ''),
  ].join('\n');
}

/** Front matter and body, split where Claude Code and Codex split them (first line `---` up to the next `---`). */
export function splitFrontMatter(content: string): {
  data: Record<string, unknown>;
  body: string;
  hasFrontMatter: boolean;
} {
  if (!/^---\r?\n/.test(content)) return { data: {}, body: content, hasFrontMatter: false };
  // Options turn off gray-matter's cache (it would keep every text it saw).
  const parsed = matter(content, { language: 'yaml' });
  return { data: parsed.data as Record<string, unknown>, body: parsed.content, hasFrontMatter: true };
}

/** Problems with the package's own files: a broken package is a bug, found by the tests before it ships. */
export function checkPackage(files: PackageFile[]): string[] {
  const problems: string[] = [];
  const skills = new Set(files.filter((f) => f.kind === 'skill').map((f) => f.name));
  const commands = new Set(files.filter((f) => f.kind === 'command').map((f) => f.name));
  for (const name of [...skills, ...commands]) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) || name.length > 64)
      problems.push(`"${name}": names are lowercase letters, digits and hyphens, at most 64`);
  }
  for (const name of skills) {
    if (commands.has(name))
      problems.push(
        `"${name}" is both a skill and a command (Claude Code would hide the command; Codex gets both in one folder)`,
      );
    const main = files.find((f) => f.kind === 'skill' && f.name === name && f.rel === 'SKILL.md');
    if (!main) {
      problems.push(`skills/${name}/SKILL.md is missing`);
      continue;
    }
    problems.push(...checkFrontMatter(`skills/${name}/SKILL.md`, main.content, { name }));
  }
  for (const file of files.filter((f) => f.kind === 'command')) {
    problems.push(...checkFrontMatter(`commands/${file.name}.md`, file.content, {}));
    if (!file.content.includes('$ARGUMENTS')) problems.push(`commands/${file.name}.md does not use $ARGUMENTS`);
  }
  return problems;
}

function checkFrontMatter(label: string, content: string, expect: { name?: string }): string[] {
  let parsed;
  try {
    parsed = splitFrontMatter(content);
  } catch (error) {
    return [`${label}: front matter is not valid YAML (${(error as Error).message.split('\n')[0]})`];
  }
  if (!parsed.hasFrontMatter) return [`${label}: no front matter (--- … ---)`];
  const problems: string[] = [];
  const { name, description } = parsed.data;
  if (expect.name !== undefined && name !== expect.name)
    problems.push(`${label}: front matter name is ${JSON.stringify(name)}, expected "${expect.name}"`);
  if (typeof description !== 'string' || description.trim() === '')
    problems.push(`${label}: front matter has no description`);
  else if (description.length > 1024) problems.push(`${label}: description is longer than 1024 characters`);
  return problems;
}

export function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// The manifest

const manifestSchema = z.object({
  version: z.literal(1),
  samocode: z.string(),
  scope: z.enum(['user', 'project']),
  files: z.array(
    z.object({
      path: z.string().check(z.minLength(1)),
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
      agent: z.enum(['claude', 'codex']),
    }),
  ),
  dirs: z.array(z.string().check(z.minLength(1))),
});

/** What samocode installed in one scope. Paths are relative to the layout's base, so a moved project still works. */
export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = Manifest['files'][number];

export type ManifestRead = { ok: true; manifest: Manifest | undefined } | { ok: false; message: string };

/** `undefined` text: no manifest, nothing installed. */
export function parseManifest(text: string | undefined): ManifestRead {
  if (text === undefined) return { ok: true, manifest: undefined };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `is not valid JSON (${(error as Error).message})` };
  }
  const parsed = manifestSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      message: `is not a samocode install manifest (${issue.path.join('.') || 'top level'}: ${issue.message})`,
    };
  }
  return { ok: true, manifest: parsed.data };
}

export function renderManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// What is on disk

/** What the disk holds at a path: a regular file (with its hash), or something else (a folder, a link …). */
export type DiskEntry = { kind: 'file'; sha256: string } | { kind: 'other'; what: string };

/** The disk as the planner needs it, read beforehand. Paths absolute. */
export interface DiskState {
  /** The entries at the paths asked about; a path that is not here holds nothing. */
  entries: Record<string, DiskEntry>;
  /** Folders that exist, among those asked about. */
  dirs: string[];
}

/** The paths whose state an install plan needs: every target, every recorded file, and the folders above targets. */
export function pathsToRead(
  layout: Layout,
  targetList: Target[],
  manifest: Manifest | undefined,
): { files: string[]; dirs: string[] } {
  const files = new Set(targetList.map((t) => t.path));
  for (const file of manifest?.files ?? []) files.add(resolve(layout.base, file.path));
  const dirs = new Set<string>();
  for (const path of [...targetList.map((t) => t.path), layout.manifest])
    for (const dir of ancestors(path)) dirs.add(dir);
  for (const dir of manifest?.dirs ?? []) dirs.add(resolve(layout.base, dir));
  return { files: [...files], dirs: [...dirs] };
}

/** The folders above `path`, nearest first, up to the filesystem root. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    out.push(dir);
    if (dirname(dir) === dir) return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Plans

export type Status = 'installed' | 'updated' | 'unchanged' | 'skipped' | 'removed' | 'kept' | 'gone';

/** One file's fate. Only `installed` and `updated` (a write) and `removed` (an unlink) touch the disk. */
export interface FileStep {
  path: string;
  agent: Agent;
  status: Status;
  /** Why (skipped, kept, removed during an install). */
  reason?: string | undefined;
  /** The content to write (installed, updated). */
  content?: string | undefined;
  /** The manifest line for this file once the step is done (undefined: not recorded). */
  record?: ManifestFile | undefined;
  /** The manifest line if the step fails (the disk is then as it was). */
  recordIfFailed?: ManifestFile | undefined;
}

export interface Plan {
  action: 'install' | 'uninstall';
  layout: Layout;
  files: FileStep[];
  /** Folders to create before writing, outermost first. */
  mkdirs: string[];
  /** Folders samocode created that are to go if they are empty, innermost first. */
  rmdirs: string[];
  /** Folders recorded in the manifest afterwards (relative to the base). */
  dirs: string[];
  /** There was a manifest before. */
  hadManifest: boolean;
  /** The samocode version written into the manifest. */
  version: string;
}

export function stepWrites(step: FileStep): boolean {
  return step.status === 'installed' || step.status === 'updated';
}

export function stepRemoves(step: FileStep): boolean {
  return step.status === 'removed';
}

export interface InstallInput {
  layout: Layout;
  targets: Target[];
  manifest: Manifest | undefined;
  disk: DiskState;
  version: string;
}

export const REASONS = {
  notOurs: 'not installed by samocode: a file of yours is already there; samocode leaves it alone',
  changedSkip:
    'changed since samocode installed it; left as you made it (delete it and run install again to get the new version)',
  changedKeep: 'changed since samocode installed it; left as you made it',
  retired: 'no longer part of samocode',
  notAFile: (what: string) => `a ${what} is there, not a file samocode installed; left alone`,
} as const;

export function planInstall(input: InstallInput): Plan {
  const { layout, disk } = input;
  const recorded = new Map((input.manifest?.files ?? []).map((f) => [resolve(layout.base, f.path), f]));
  const steps: FileStep[] = [];
  const record = (t: Target, hash: string): ManifestFile => ({
    path: toManifestPath(layout, t.path),
    sha256: hash,
    agent: t.agent,
  });

  for (const t of input.targets) {
    const hash = sha256(t.content);
    const previous = recorded.get(t.path);
    const entry = disk.entries[t.path];
    const base = { path: t.path, agent: t.agent };
    if (entry === undefined) {
      steps.push({ ...base, status: 'installed', content: t.content, record: record(t, hash) });
    } else if (entry.kind !== 'file') {
      steps.push({ ...base, status: 'skipped', reason: REASONS.notAFile(entry.what) });
    } else if (entry.sha256 === hash) {
      // Already samocode's content, whoever put it there: ours from now on.
      steps.push({ ...base, status: 'unchanged', record: record(t, hash) });
    } else if (previous && previous.sha256 === entry.sha256) {
      steps.push({ ...base, status: 'updated', content: t.content, record: record(t, hash), recordIfFailed: previous });
    } else if (previous) {
      // Edited by the person: keep it, and keep knowing it was ours (uninstall will keep it too, since it changed).
      steps.push({
        ...base,
        status: 'skipped',
        reason: REASONS.changedSkip,
        record: previous,
        recordIfFailed: previous,
      });
    } else {
      steps.push({ ...base, status: 'skipped', reason: REASONS.notOurs });
    }
  }

  // Files an earlier samocode installed that this one no longer ships.
  const wanted = new Set(input.targets.map((t) => t.path));
  for (const [path, previous] of recorded) {
    if (wanted.has(path)) continue;
    const entry = disk.entries[path];
    const base = { path, agent: previous.agent };
    if (entry === undefined) continue;
    if (entry.kind === 'file' && entry.sha256 === previous.sha256) {
      steps.push({ ...base, status: 'removed', reason: REASONS.retired, recordIfFailed: previous });
    } else {
      steps.push({
        ...base,
        status: 'kept',
        reason: entry.kind === 'file' ? REASONS.changedKeep : REASONS.notAFile(entry.what),
      });
    }
  }

  // Folders: create the missing ones above the files written; remember every folder samocode created.
  const existing = new Set(disk.dirs);
  const mkdirs = new Set<string>();
  const written = steps.filter(stepWrites).map((s) => s.path);
  // The manifest's folder too, when there will be a manifest to write.
  if (steps.some((s) => s.record !== undefined)) written.push(layout.manifest);
  for (const path of written) {
    for (const dir of ancestors(path)) {
      if (existing.has(dir)) break;
      mkdirs.add(dir);
    }
  }
  const needed = new Set([...input.targets.map((t) => t.path), layout.manifest].flatMap(ancestors));
  const created = new Set([...(input.manifest?.dirs ?? []).map((d) => resolve(layout.base, d)), ...mkdirs]);
  const retiredDirs = [...created].filter((d) => !needed.has(d));
  const keptDirs = [...created].filter((d) => needed.has(d));

  return {
    action: 'install',
    layout,
    files: steps,
    mkdirs: [...mkdirs].sort(byDepth),
    rmdirs: retiredDirs.sort(byDepth).reverse(),
    dirs: keptDirs.map((d) => toManifestPath(layout, d)).sort(),
    hadManifest: input.manifest !== undefined,
    version: input.version,
  };
}

export interface UninstallInput {
  layout: Layout;
  manifest: Manifest | undefined;
  disk: DiskState;
}

export function planUninstall(input: UninstallInput): Plan {
  const { layout, disk, manifest } = input;
  const steps: FileStep[] = [];
  for (const file of manifest?.files ?? []) {
    const path = resolve(layout.base, file.path);
    const entry = disk.entries[path];
    const base = { path, agent: file.agent };
    if (entry === undefined) steps.push({ ...base, status: 'gone' });
    else if (entry.kind === 'file' && entry.sha256 === file.sha256)
      steps.push({ ...base, status: 'removed', recordIfFailed: file });
    else
      steps.push({
        ...base,
        status: 'kept',
        reason: entry.kind === 'file' ? REASONS.changedKeep : REASONS.notAFile(entry.what),
      });
  }
  steps.sort(
    (a, b) =>
      Number(a.agent === 'codex') - Number(b.agent === 'codex') || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  const dirs = (manifest?.dirs ?? []).map((d) => resolve(layout.base, d));
  return {
    action: 'uninstall',
    layout,
    files: steps,
    mkdirs: [],
    rmdirs: dirs.sort(byDepth).reverse(),
    dirs: [],
    hadManifest: manifest !== undefined,
    version: manifest?.samocode ?? '',
  };
}

/**
 * The manifest once the plan has been carried out, given the paths whose step failed; undefined when nothing is
 * left to record (uninstall, or an install that installed nothing), so the manifest file goes.
 */
export function manifestAfter(
  plan: Plan,
  failed: { has(path: string): boolean } = new Set<string>(),
): Manifest | undefined {
  const files = plan.files
    .map((step) => (failed.has(step.path) ? step.recordIfFailed : step.record))
    .filter((f): f is ManifestFile => f !== undefined)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (files.length === 0 && (plan.action === 'uninstall' || plan.dirs.length === 0)) return undefined;
  // A failed uninstall keeps the folders, so a second try can still clean them up.
  // Folders that could not be created are not samocode's.
  const dirs =
    plan.action === 'uninstall'
      ? plan.rmdirs.map((d) => toManifestPath(plan.layout, d)).sort()
      : plan.dirs.filter((d) => !failed.has(resolve(plan.layout.base, d)));
  return { version: 1, samocode: plan.version, scope: plan.layout.scope, files, dirs };
}

function toManifestPath(layout: Layout, path: string): string {
  const rel = relative(layout.base, path);
  const portable = rel.split(sep).join('/');
  return isAbsolute(rel) ? path : portable;
}

function byDepth(a: string, b: string): number {
  const depth = (p: string) => p.split(sep).length;
  return depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0);
}
