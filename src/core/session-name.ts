// Session names: a name is never a path. Pure.

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DATED = /^\d{2}-\d{2}-\d{2}-(.+)$/;

/** Returns an error message, or undefined when `name` is a safe session name. */
export function checkSessionName(name: string): string | undefined {
  const fix = 'use letters, digits, ".", "_" and "-" (e.g. --session add-auth)';
  if (name.trim() === '') return `--session is empty; ${fix}`;
  if (name.includes('/') || name.includes('\\')) return `--session ${JSON.stringify(name)} contains a path separator; a session is a name, not a path: ${fix}`;
  if (name.includes('..')) return `--session ${JSON.stringify(name)} contains ".."; ${fix}`;
  if (name.length > 80) return `--session is ${name.length} characters long; keep it under 80`;
  if (!NAME.test(name)) return `--session ${JSON.stringify(name)} has characters that cannot be part of a folder and branch name; ${fix}`;
  return undefined;
}

/** `YY-MM-DD-<name>` for a new session started at `now` (local date). */
export function datedFolderName(name: string, now: Date): string {
  const yy = String(now.getFullYear() % 100).padStart(2, '0');
  const mm = String(now.getMonth() + 1).padStart(2, '0');
  const dd = String(now.getDate()).padStart(2, '0');
  return `${yy}-${mm}-${dd}-${name}`;
}

export type FolderMatch = { kind: 'found'; folder: string } | { kind: 'none' } | { kind: 'ambiguous'; folders: string[] };

/**
 * Find the folder of an existing session among the entries of SESSIONS: an exact folder name wins,
 * then `YY-MM-DD-<name>`. Several dated matches are ambiguous: the person names the one they mean.
 */
export function findSessionFolder(name: string, entries: readonly string[]): FolderMatch {
  if (entries.includes(name) && DATED.test(name)) return { kind: 'found', folder: name };
  const dated = entries.filter((entry) => DATED.exec(entry)?.[1] === name).sort();
  if (dated.length === 1) return { kind: 'found', folder: dated[0]! };
  if (dated.length > 1) return { kind: 'ambiguous', folders: dated };
  if (entries.includes(name)) return { kind: 'found', folder: name };
  return { kind: 'none' };
}

/** The short name of a folder: `26-11-21-add-auth` → `add-auth`. */
export function shortName(folder: string): string {
  return DATED.exec(folder)?.[1] ?? folder;
}
