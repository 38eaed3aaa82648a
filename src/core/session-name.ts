// Session names: a name is never a path, and it must make a valid git branch (`BRANCH_PREFIX + name`), so it is
// checked here, up front, before any folder or worktree is made. Pure.

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DATED = /^\d{2}-\d{2}-\d{2}-(.+)$/;
const MAX_NAME = 80;

/**
 * The first rule of `git check-ref-format` (for a branch: `git check-ref-format --branch`) that `ref` breaks, or
 * undefined when git would take it. See git-check-ref-format(1).
 */
export function refFormatProblem(ref: string): string | undefined {
  if (ref === '') return 'is empty';
  if (ref === '@') return 'is "@", which git reserves';
  if (ref.startsWith('-')) return 'starts with "-"';
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0020\u007f~^:?*[\\]/.exec(ref);
  if (bad) return `contains ${describeChar(bad[0])}, which git does not allow in a branch name`;
  if (ref.includes('..')) return 'contains ".."';
  if (ref.includes('@{')) return 'contains "@{"';
  if (ref.startsWith('/') || ref.endsWith('/')) return 'starts or ends with "/"';
  if (ref.includes('//')) return 'contains "//"';
  if (ref.endsWith('.')) return 'ends with "."';
  const components = ref.split('/');
  const where = (component: string, rule: string) =>
    components.length === 1 ? rule : `has a part that ${rule} (${JSON.stringify(component)})`;
  for (const component of components) {
    if (component.startsWith('.')) return where(component, 'starts with "."');
    if (component.endsWith('.lock')) return where(component, 'ends with ".lock"');
  }
  return undefined;
}

function describeChar(char: string): string {
  if (char === ' ') return 'a space';
  const code = char.charCodeAt(0);
  if (code < 0x20 || code === 0x7f)
    return `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  return JSON.stringify(char);
}

/** A name close to `name` that passes checkSessionName, for the fix in a message (`x.lock` → `x-lock`). */
export function suggestSessionName(name: string): string {
  const cleaned = name
    .replace(/\.lock$/i, '-lock')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[.]+$/, '')
    .slice(0, MAX_NAME)
    .replace(/[^A-Za-z0-9]+$/, '');
  return cleaned === '' ? 'add-auth' : cleaned;
}

/**
 * Returns an error message, or undefined when `name` is a safe session name: a folder name, and a branch component.
 * With `branchPrefix`, the whole branch (`samocode/<name>`) is checked too.
 */
export function checkSessionName(name: string, branchPrefix?: string): string | undefined {
  const shown = JSON.stringify(name);
  const fix = `use letters, digits, ".", "_" and "-", starting with a letter or digit (e.g. --session ${suggestSessionName(name)})`;
  if (name.trim() === '') return `--session is empty; ${fix}`;
  if (name.includes('/') || name.includes('\\'))
    return `--session ${shown} contains a path separator; a session is a name, not a path: ${fix}`;
  if (name.includes('..')) return `--session ${shown} contains ".."; ${fix}`;
  if (name.length > MAX_NAME)
    return `--session is ${name.length} characters long; keep it to ${MAX_NAME} (e.g. --session ${suggestSessionName(name)})`;
  if (!NAME.test(name))
    return `--session ${shown} has characters that cannot be part of a folder and branch name; ${fix}`;
  const asBranch = refFormatProblem(name);
  if (asBranch) return `--session ${shown} ${asBranch}, which git refuses in a branch name; ${fix}`;
  if (branchPrefix !== undefined) {
    const branch = `${branchPrefix}${name}`;
    const problem = refFormatProblem(branch);
    if (problem)
      return `the session branch ${JSON.stringify(branch)} (BRANCH_PREFIX + --session) ${problem}, which git refuses; fix BRANCH_PREFIX or ${fix}`;
  }
  return undefined;
}

/** `YY-MM-DD-<name>` for a new session started at `now` (local date). */
export function datedFolderName(name: string, now: Date): string {
  const yy = String(now.getFullYear() % 100).padStart(2, '0');
  const mm = String(now.getMonth() + 1).padStart(2, '0');
  const dd = String(now.getDate()).padStart(2, '0');
  return `${yy}-${mm}-${dd}-${name}`;
}

export type FolderMatch =
  { kind: 'found'; folder: string } | { kind: 'none' } | { kind: 'ambiguous'; folders: string[] };

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
