// Where V8's code cache of the CLI bundle lives, and which cache file may be trusted. The cache is compiled code:
// whoever can write it can run code as the person who starts samocode, so a file is only read from a folder nobody
// else can write in, and only when it is the person's own and writable by nobody else. Anything odd means "no
// cache": a start is then only slower, never broken.
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { constants, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Group- or other-writable: someone else could plant or swap a file there. */
const WRITABLE_BY_OTHERS = 0o022;
/** Far above a real cache (≈0.3–2 MB): a bigger file is not ours. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** Caches of other builds (an older version, another Node) left in the per-user folder go after this long. */
const STALE_MS = 30 * 24 * 3600 * 1000;
const PREFIX = 'samocode-';
const SUFFIX = '.v8cache';

export interface CacheEnv {
  uid: number | undefined;
  home: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Our header before V8's data: a file that does not start with it is not a cache of ours. The kind byte says how
 * much the cache holds: written while the command was still at work (complete) or as it exited early (partial: a
 * later start that gets further writes a complete one).
 */
const MAGIC = Buffer.from('samocode-v8cache-1');
const COMPLETE = 0x43; // 'C'
const PARTIAL = 0x50; // 'P'

export interface CacheRead {
  data: Buffer;
  file: string;
  complete: boolean;
}

/**
 * One cache file per bundle, Node version, architecture and kind of start (cacheKind): V8 rejects another Node's
 * data anyway, and each command compiles different code (a cache written by `status` holds little of what `run`
 * needs).
 */
export function cacheFileName(bundleHash: string, nodeVersion: string, arch: string, kind: string): string {
  return `${PREFIX}${bundleHash}-node${nodeVersion.replace(/^v/, '')}-${arch}-${kind}${SUFFIX}`;
}

/**
 * What the cache is kept for: the command, and for `run` whether it names a task. A run with `--task` most often
 * starts a new session (its worktree, a first `_overview.md`), one without resumes (reads `_overview.md`, takes the
 * session's lock back): each way compiles code the other does not, and a resumed start with a new session's cache
 * compiled ~3 ms of its own afresh (bench, A/B). A wrong guess (a resume that repeats its --task) only costs that.
 */
export function cacheKind(command: string, args: readonly string[]): string {
  if (command !== 'run') return command;
  return args.some((arg) => arg === '--task' || arg.startsWith('--task=')) ? 'run-new' : 'run';
}

/** The commands whose start ends in an agent's spawn: run (new or resumed), resume, continue, demo. */
const SPAWNING = new Set(['run', 'resume', 'continue', 'demo']);

/**
 * Whether the command's complete cache is written right after its first agent spawn. What a start deserialises is
 * all the cache holds (~6 ms per MB of cache here), so it holds the code of the way to that spawn and no more: what
 * runs after it (the logger, the agent's output, the signal, a wait) compiles then, while the agent works (a resumed
 * start's cache: 0.79 MB written 2 s in, 0.51 MB at the spawn with the logger made after it).
 */
export function cacheAtSpawn(command: string): boolean {
  return SPAWNING.has(command);
}

/**
 * The folders the cache may be in, best first: beside the bundle when that folder is the person's own (a checkout,
 * a per-user install: whoever could write a cache there could rewrite the bundle too), then the per-user cache
 * folder ($XDG_CACHE_HOME/samocode, else ~/.cache/samocode) for a read-only or shared install.
 */
export function cacheDirs(bundleDir: string, { uid, home, env }: CacheEnv): string[] {
  if (uid === undefined) return []; // no owners to check (Windows): no cache
  const xdg = env.XDG_CACHE_HOME;
  const userDir = join(xdg && xdg.startsWith('/') ? xdg : join(home, '.cache'), 'samocode');
  return [...(ownFolder(bundleDir, uid) ? [bundleDir] : []), userDir];
}

/** A real folder (not a link) of this user, that nobody else may write in. */
export function ownFolder(dir: string, uid: number): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === uid && (stat.mode & WRITABLE_BY_OTHERS) === 0;
  } catch {
    return false;
  }
}

/** The cached data in the first trusted folder that has it; undefined when none (or none to trust). */
export function readCache(dirs: readonly string[], name: string, uid: number | undefined): CacheRead | undefined {
  if (uid === undefined) return undefined;
  for (const dir of dirs) {
    if (!ownFolder(dir, uid)) continue;
    let fd: number | undefined;
    try {
      // O_NOFOLLOW: a link in the place of the file is refused, not followed.
      fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
      const stat = fstatSync(fd);
      if (!stat.isFile() || stat.uid !== uid || (stat.mode & WRITABLE_BY_OTHERS) !== 0) continue;
      if (stat.size <= MAGIC.length + 1 || stat.size > MAX_CACHE_BYTES) continue;
      const bytes = readFileSync(fd);
      const kind = bytes[MAGIC.length];
      if (!bytes.subarray(0, MAGIC.length).equals(MAGIC) || (kind !== COMPLETE && kind !== PARTIAL)) continue;
      return { data: bytes.subarray(MAGIC.length + 1), file: join(dir, name), complete: kind === COMPLETE };
    } catch {
      // Missing or unreadable here: try the next folder.
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  return undefined;
}

/**
 * Write the cache into the first folder that takes it (made private if missing), atomically: a temp file of this
 * process, then a rename, so a reader sees the old file or the whole new one. Returns the file, or undefined.
 */
export function writeCache(
  dirs: readonly string[],
  name: string,
  cache: { data: Buffer; complete: boolean },
  uid: number,
): string | undefined {
  for (const dir of dirs) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      continue;
    }
    if (!ownFolder(dir, uid)) continue;
    const file = join(dir, name);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      const kind = Buffer.of(cache.complete ? COMPLETE : PARTIAL);
      writeFileSync(temp, Buffer.concat([MAGIC, kind, cache.data]), { mode: 0o600, flag: 'wx' });
      renameSync(temp, file);
      pruneStale(dir, name);
      return file;
    } catch {
      rmSync(temp, { force: true });
    }
  }
  return undefined;
}

/** Other builds' caches not written for a month (an update leaves the old one behind). */
function pruneStale(dir: string, keep: string): void {
  const now = Date.now();
  for (const entry of readdirSync(dir)) {
    if (entry === keep || !entry.startsWith(PREFIX) || !entry.endsWith(SUFFIX)) continue;
    try {
      if (now - statSync(join(dir, entry)).mtimeMs > STALE_MS) rmSync(join(dir, entry), { force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}
