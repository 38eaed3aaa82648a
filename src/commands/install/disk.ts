// `orchestrate install` / `uninstall`, the IO part: read the package's skills and commands, read the disk into the
// planner's DiskState, and carry a plan out (atomic writes, removals, folders). Synchronous: a few dozen small files.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomicSync } from '../../io/atomic-write.js';
import { InstallError } from '../../errors.js';
import { isDirectory } from '../../io/path-kind.js';
import {
  manifestAfter,
  parseManifest,
  renderManifest,
  sha256,
  stepRemoves,
  stepWrites,
  type DiskEntry,
  type DiskState,
  type Layout,
  type Manifest,
  type PackageFile,
  type Plan,
} from './plan.js';

/** The package's `skills/<name>/**` and `commands/<name>.md` files. */
export function readPackage(root: string): PackageFile[] {
  const files: PackageFile[] = [];
  const skillsDir = join(root, 'skills');
  for (const entry of listDir(skillsDir)) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = join(skillsDir, entry.name);
    for (const path of walk(dir)) {
      files.push({
        kind: 'skill',
        name: entry.name,
        rel: relative(dir, path).split('\\').join('/'),
        content: readFileSync(path, 'utf8'),
      });
    }
  }
  const commandsDir = join(root, 'commands');
  for (const entry of listDir(commandsDir)) {
    if (!entry.isFile() || !entry.name.endsWith('.md') || entry.name.startsWith('.')) continue;
    const name = entry.name.slice(0, -'.md'.length);
    files.push({
      kind: 'command',
      name,
      rel: entry.name,
      content: readFileSync(join(commandsDir, entry.name), 'utf8'),
    });
  }
  return files;
}

function listDir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of listDir(dir)) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

export function packageVersion(root: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `--project`: the top of the git work tree holding `cwd`, or `cwd` itself outside git (or without git). */
export function projectRoot(cwd: string): string {
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return top === '' ? cwd : top;
  } catch {
    return cwd;
  }
}

export function readManifest(layout: Layout): Manifest | undefined {
  let text: string | undefined;
  try {
    text = readFileSync(layout.manifest, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new InstallError(`cannot read ${layout.manifest}: ${describe(error)}`);
  }
  const read = parseManifest(text);
  if (!read.ok) {
    throw new InstallError(
      `${layout.manifest} ${read.message}.\n  It lists the files samocode installed; samocode changes nothing while it cannot read it.\n` +
        `  fix: restore it, or delete it (samocode then treats the files it installed as yours, and leaves them alone).`,
    );
  }
  return read.manifest;
}

export function readDisk(paths: { files: string[]; dirs: string[] }): DiskState {
  const entries: Record<string, DiskEntry> = {};
  for (const path of paths.files) {
    const entry = entryAt(path);
    if (entry) entries[path] = entry;
  }
  // stat, not lstat: a symbolic link to a folder (e.g. ~/.claude kept in a dotfiles repo) counts as that folder.
  const dirs = paths.dirs.filter(isDirectory);
  return { entries, dirs };
}

function entryAt(path: string): DiskEntry | undefined {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new InstallError(`cannot read ${path}: ${describe(error)}`);
  }
  if (stat.isSymbolicLink()) return { kind: 'other', what: 'symbolic link' };
  if (stat.isDirectory()) return { kind: 'other', what: 'folder' };
  if (!stat.isFile()) return { kind: 'other', what: 'special file' };
  try {
    return { kind: 'file', sha256: sha256(readFileSync(path, 'utf8')) };
  } catch (error) {
    throw new InstallError(`cannot read ${path}: ${describe(error)}`);
  }
}

/** What carrying the plan out did, for the report. */
export interface Outcome {
  /** Paths whose step failed, with why. */
  failed: Map<string, string>;
  /** Folders removed because they were empty. */
  removedDirs: string[];
  manifest: 'written' | 'removed' | 'unchanged';
}

/** Carry the plan out: folders, files (atomic writes), the manifest, then empty folders. Every step is tried. */
export function execute(plan: Plan, previous: Manifest | undefined): Outcome {
  const failed = new Map<string, string>();
  for (const dir of plan.mkdirs) {
    if (failed.has(dirname(dir))) {
      failed.set(dir, 'not created: the folder above could not be');
      continue;
    }
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') failed.set(dir, describe(error));
      else if (!isDirectory(dir)) failed.set(dir, 'a file is in the way');
    }
  }
  for (const step of plan.files) {
    if (stepWrites(step) && failed.has(dirname(step.path))) {
      failed.set(step.path, 'its folder could not be made');
      continue;
    }
    try {
      if (stepWrites(step)) writeFileAtomicSync(step.path, step.content ?? '');
      else if (stepRemoves(step)) unlinkSync(step.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (stepRemoves(step) && code === 'ENOENT') continue;
      failed.set(step.path, describe(error));
    }
  }

  const next = manifestAfter(plan, failed);
  let manifest: Outcome['manifest'] = 'unchanged';
  try {
    if (next === undefined) {
      if (plan.hadManifest) {
        unlinkSync(plan.layout.manifest);
        manifest = 'removed';
      }
    } else if (previous === undefined || renderManifest(previous) !== renderManifest(next)) {
      writeFileAtomicSync(plan.layout.manifest, renderManifest(next));
      manifest = 'written';
    }
  } catch (error) {
    failed.set(plan.layout.manifest, describe(error));
  }

  const removedDirs: string[] = [];
  // Folders go only when every removal worked (a failed uninstall keeps them recorded, for a second try).
  if (failed.size === 0) {
    for (const dir of plan.rmdirs) {
      try {
        rmdirSync(dir);
        removedDirs.push(dir);
      } catch {
        // Not empty (the person's own files, or a file kept because it changed), or already gone: it stays.
      }
    }
  }
  return { failed, removedDirs, manifest };
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message.replace(/^\w+: /, '').split(',')[0]}` : String(e.message ?? error);
}
