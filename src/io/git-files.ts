// What git's own files tell, read without running git: each git call is a fork of this process, and a resumed
// session's start made two before its agent's spawn (the worktree's facts, and whether git has an identity). These
// answer only when the files are in the plain shape git itself writes them, in a setting nothing else can change
// (no GIT_DIR and the like, every file the user's own); anything else gives undefined, and the caller asks git.
import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { plainIdentityKeys } from '../core/git-config.js';
import type { GitResult } from './git.js';
import { readSmallFile } from './regular-file.js';

/** Variables that make git look elsewhere than the folder it runs in, or read other config. */
const REDIRECTS = /^GIT_(DIR|WORK_TREE|COMMON_DIR|NAMESPACE|CONFIG|CONFIG_GLOBAL|CONFIG_COUNT|CONFIG_PARAMETERS)$/;

/** A git metadata file is a line or two; a bigger one is not what git wrote. */
const META_BYTES = 4096;
/** packed-refs and config files past this are left to git (which maps packed-refs and searches it). */
const LIST_BYTES = 1024 * 1024;
/** What readSmallFile says of a file that is not there. */
const MISSING = null;

/** A metadata file's text ('' when it is missing or not to be read: no pattern of git's matches that). */
function meta(file: string): string {
  const text = readSmallFile(file, META_BYTES);
  return typeof text === 'string' ? text : '';
}

function redirected(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some((name) => REDIRECTS.test(name) && env[name] !== undefined);
}

/** Owned by this user: git refuses another user's repository ("dubious ownership"), and then it is git's to say. */
function own(path: string, uid: number): boolean {
  try {
    return lstatSync(path).uid === uid;
  } catch {
    return false;
  }
}

interface WorktreeFiles {
  /** The worktree's own git dir (`<common>/worktrees/<name>`). */
  gitDir: string;
  common: string;
  /** The branch HEAD is on (`refs/heads/…`). */
  head: string;
}

/** A linked worktree's files: `<path>/.git` names its git dir, which names the common dir and holds HEAD. */
function worktreeFiles(path: string, env: NodeJS.ProcessEnv): WorktreeFiles | undefined {
  const uid = process.getuid?.();
  if (uid === undefined || redirected(env) || !own(path, uid)) return undefined;
  const pointer = /^gitdir: (.+)\n?$/.exec(meta(join(path, '.git')));
  if (!pointer) return undefined; // a .git folder (a repository of its own, not a worktree) or something else
  const gitDir = resolve(path, pointer[1]!);
  const commonLine = /^(.+)\n?$/.exec(meta(join(gitDir, 'commondir')));
  const headLine = /^ref: (refs\/heads\/\S+)\n?$/.exec(meta(join(gitDir, 'HEAD')));
  if (!commonLine || !headLine || !BRANCH_REF.test(headLine[1]!)) return undefined; // detached, or not git's
  const common = resolve(gitDir, commonLine[1]!);
  const head = headLine[1]!;
  if (!own(gitDir, uid) || !own(common, uid) || !refExists(common, head)) return undefined;
  return { gitDir, common, head };
}

/** A branch with a commit: a loose ref, or a line of packed-refs (an unborn branch is git's to report). */
function refExists(common: string, ref: string): boolean {
  return refsOf(common).has(ref) === true;
}

/** A branch name as git allows it, loosely: no `..`, no spaces or the characters git refuses; else git's to say. */
const BRANCH_REF = /^refs\/heads\/(?!\.)(?!.*\.\.)(?!.*\/\.)(?!.*@\{)[^\s~^:?*[\\\x00-\x1f\x7f]+(?<![/.]|\.lock)$/;

/**
 * Which refs exist in a common dir, as far as its files plainly tell: `has` is true (a loose ref naming a commit, or
 * a line of packed-refs), false (neither), or undefined (a loose symbolic ref, a file of another shape, a packed-refs
 * that cannot be read here: ask git).
 */
function refsOf(common: string): { has(ref: string): boolean | undefined } {
  // Read only when a loose ref is missing: a big repository's packed-refs is not read for a branch that has its own.
  let packed: string | typeof MISSING | undefined;
  let packedRead = false;
  return {
    has(ref) {
      const loose = readSmallFile(join(common, ref), META_BYTES);
      if (loose !== MISSING) return loose !== undefined && /^[0-9a-f]{40,64}\n?$/.test(loose) ? true : undefined;
      if (!packedRead) {
        packed = readSmallFile(join(common, 'packed-refs'), LIST_BYTES);
        packedRead = true;
      }
      if (packed === undefined) return undefined;
      return packed !== MISSING && packed.includes(` ${ref}\n`);
    },
  };
}

/**
 * What `git rev-parse --show-toplevel --path-format=absolute --git-common-dir --symbolic-full-name HEAD` prints in
 * an existing linked worktree at `path` (both paths canonical, as git gives them), or undefined: ask git.
 */
export function worktreeFactsFromFiles(path: string, env: NodeJS.ProcessEnv): GitResult | undefined {
  const files = worktreeFiles(path, env);
  if (!files) return undefined;
  try {
    return { ok: true, out: `${realpathSync(path)}\n${realpathSync(files.common)}\n${files.head}`, err: '' };
  } catch {
    return undefined;
  }
}

export interface RepoFacts {
  repo: boolean;
  hasCommits: boolean;
  /** The branch MAIN_REPO is on; undefined when detached. */
  current?: string;
  /** Its common git dir (absolute): an existing worktree must share it. */
  commonDir?: string;
}

export interface RefFacts {
  /** Where origin's HEAD points (`origin/<this>`), when it is set and resolves. */
  originHead?: string;
  /** Which of main, master and the session branch exist. */
  heads: Set<string>;
}

/** A repository config line that changes where git finds the work tree or the refs. */
const UNUSUAL_REPO = /^\s*(bare\s*=\s*true|worktree\s*=|refstorage\s*=)/im;

/**
 * What io/workspace.ts asks git before it makes a new session's worktree (one rev-parse, one for-each-ref of
 * origin's HEAD, main, master and the session branch), from the files of a repository whose top is MAIN_REPO: its
 * own `.git` folder, HEAD on a branch that has a commit, loose refs and packed-refs. undefined: ask git.
 */
export function newWorktreeFactsFromFiles(
  mainRepo: string,
  branch: string,
  env: NodeJS.ProcessEnv,
): { main: RepoFacts; refs: RefFacts } | undefined {
  const uid = process.getuid?.();
  if (uid === undefined || redirected(env)) return undefined;
  const dotGit = ownGitFolder(mainRepo, uid);
  if (!dotGit) return undefined;
  const config = readSmallFile(join(dotGit, 'config'), LIST_BYTES);
  if (typeof config !== 'string' || UNUSUAL_REPO.test(config)) return undefined;
  const head = /^ref: (refs\/heads\/\S+)\n?$/.exec(meta(join(dotGit, 'HEAD')))?.[1];
  const refs = refsOf(dotGit);
  // Detached, an odd name, or a branch with no commit yet: git's answers.
  if (!head || !BRANCH_REF.test(head) || refs.has(head) !== true) return undefined;
  const heads = new Set<string>();
  for (const name of ['main', 'master', branch]) {
    const has = refs.has(`refs/heads/${name}`);
    if (has === undefined) return undefined;
    if (has) heads.add(name);
  }
  // origin's HEAD is a symbolic ref, always loose; for-each-ref leaves it out when its target does not resolve.
  const originFile = readSmallFile(join(dotGit, 'refs', 'remotes', 'origin', 'HEAD'), META_BYTES);
  if (originFile === undefined) return undefined;
  let originHead: string | undefined;
  if (originFile !== MISSING) {
    const target = /^ref: refs\/remotes\/origin\/(\S+)\n?$/.exec(originFile)?.[1];
    if (target === undefined) return undefined;
    const resolves = refs.has(`refs/remotes/origin/${target}`);
    if (resolves === undefined) return undefined;
    if (resolves) originHead = target;
  }
  let commonDir: string;
  try {
    commonDir = realpathSync(dotGit);
  } catch {
    return undefined;
  }
  return {
    main: { repo: true, hasCommits: true, current: head.slice('refs/heads/'.length), commonDir },
    refs: { ...(originHead ? { originHead } : {}), heads },
  };
}

/**
 * Whether the config files git reads in `dir` (a worktree, or a repository's top) plainly set both user.name and
 * user.email; false means "not known": ask git (the system-wide file, which is not read here, may have them).
 */
export function identityFromFiles(dir: string, env: NodeJS.ProcessEnv): boolean {
  const home = env.HOME;
  if (!home || !isAbsolute(home) || redirected(env)) return false;
  const local = localConfig(dir, env);
  if (!local) return false;
  // git reads $XDG_CONFIG_HOME/git/config (else ~/.config/git/config), then ~/.gitconfig.
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && !isAbsolute(xdg)) return false;
  const files = [join(xdg || join(home, '.config'), 'git', 'config'), join(home, '.gitconfig')];
  const found = new Set<string>();
  for (const file of [...files, local]) {
    const text = readSmallFile(file, LIST_BYTES);
    if (text === MISSING) continue;
    if (text === undefined) return false;
    // The worktree's own config.worktree would be read too: left to git.
    if (file === local && /worktreeconfig/i.test(text)) return false;
    const keys = plainIdentityKeys(text);
    if (!keys) return false;
    for (const key of keys) found.add(key);
  }
  return found.has('user.name') && found.has('user.email');
}

/** The repository config git reads in `dir`: a worktree's common dir's, or `<dir>/.git/config`. */
function localConfig(dir: string, env: NodeJS.ProcessEnv): string | undefined {
  const worktree = worktreeFiles(dir, env);
  if (worktree) return join(worktree.common, 'config');
  const uid = process.getuid?.();
  const dotGit = uid === undefined ? undefined : ownGitFolder(dir, uid);
  return dotGit && join(dotGit, 'config');
}

/**
 * `<dir>/.git` when it is a folder and `dir` the top of a repository of the user's own; undefined for a linked
 * worktree (a `.git` file), no `.git` here (git would look further up), or another user's.
 */
function ownGitFolder(dir: string, uid: number): string | undefined {
  const dotGit = join(dir, '.git');
  try {
    const stat = lstatSync(dotGit);
    return stat.isDirectory() && stat.uid === uid && own(dir, uid) ? dotGit : undefined;
  } catch {
    return undefined;
  }
}
