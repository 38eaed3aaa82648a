// A unified git diff (`git diff -M --no-color`) read into files and their changed lines. Pure: the text comes from
// gates/review.ts, which bounds it; a diff cut short (or one this parser cannot read) is said so in `notes`, never a
// crash. Only what the review rules need is kept: each added and removed line with its line number, the paths, and
// what kind of change the file had (added, deleted, renamed, mode only, binary).

export type FileChange = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

export interface DiffLine {
  /** In the new file for an added line, in the old file for a removed one. */
  line: number;
  text: string;
  /** The hunk this line belongs to (index within the file), so rules can pair a removal with its replacement. */
  hunk: number;
}

export interface DiffFile {
  /** The path after the change (the old path for a deleted file). */
  path: string;
  /** The path before, when it differs (a rename or copy). */
  oldPath?: string | undefined;
  change: FileChange;
  binary: boolean;
  /** Only the file mode changed (e.g. made executable): no lines. */
  modeOnly: boolean;
  added: DiffLine[];
  removed: DiffLine[];
}

export interface ParsedDiff {
  files: DiffFile[];
  /** What could not be read: a header the parser did not understand. */
  notes: string[];
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parseDiff(text: string): ParsedDiff {
  const files: DiffFile[] = [];
  const notes: string[] = [];
  let file: DiffFile | undefined;
  let oldLine = 0;
  let newLine = 0;
  let hunk = -1;
  let inHunk = false;

  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('diff --git ')) {
      file = startFile(line.slice('diff --git '.length));
      if (!file) {
        notes.push(`unreadable diff header: ${line.slice(0, 200)}`);
        continue;
      }
      files.push(file);
      inHunk = false;
      hunk = -1;
      continue;
    }
    if (!file) continue;
    if (inHunk) {
      const first = line[0];
      if (first === '+') {
        file.added.push({ line: newLine++, text: line.slice(1), hunk });
        continue;
      }
      if (first === '-') {
        file.removed.push({ line: oldLine++, text: line.slice(1), hunk });
        continue;
      }
      if (first === ' ' || line === '') {
        oldLine++;
        newLine++;
        continue;
      }
      if (first === '\\') continue; // "\ No newline at end of file"
      inHunk = false;
    }
    const range = HUNK.exec(line);
    if (range) {
      oldLine = Number(range[1]);
      newLine = Number(range[2]);
      hunk++;
      inHunk = true;
      continue;
    }
    readHeaderLine(file, line);
  }
  for (const f of files) f.modeOnly = !f.binary && f.added.length === 0 && f.removed.length === 0 && f.modeOnly;
  return { files, notes };
}

/** `rename from x`, `copy to y`: the path, C-quoted when git had to. */
const MOVED = /^(rename|copy) (from|to) (.*)$/;

function readHeaderLine(file: DiffFile, line: string): void {
  const moved = MOVED.exec(line);
  if (moved) {
    const path = unquote(moved[3]!);
    if (moved[2] === 'to') file.path = path;
    else {
      file.oldPath = path;
      file.change = moved[1] === 'rename' ? 'renamed' : 'copied';
    }
  } else if (line.startsWith('new file mode')) file.change = 'added';
  else if (line.startsWith('deleted file mode')) file.change = 'deleted';
  else if (line.startsWith('old mode ') || line.startsWith('new mode ')) file.modeOnly = true;
  else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
  else if (line.startsWith('--- ') && file.change !== 'added') {
    const path = stripPrefix(unquote(headerPath(line)), 'a/');
    if (path !== '/dev/null') file.oldPath = path === file.path ? undefined : path;
  } else if (line.startsWith('+++ ')) {
    const path = stripPrefix(unquote(headerPath(line)), 'b/');
    if (path !== '/dev/null') file.path = path;
  }
  if (file.change === 'deleted' && file.oldPath) {
    file.path = file.oldPath;
    file.oldPath = undefined;
  }
}

/** The path of a `---`/`+++` line: git ends it with a tab when the path has a space. */
function headerPath(line: string): string {
  return line.slice(4).replace(/\t$/, '');
}

/** `a/x b/x`, with C-quoted halves where git quoted them. Both halves name the same file unless renamed. */
function startFile(rest: string): DiffFile | undefined {
  const paths = splitHeader(rest);
  if (!paths) return undefined;
  const [a, b] = paths;
  return {
    path: b,
    oldPath: a === b ? undefined : a,
    change: 'modified',
    binary: false,
    modeOnly: false,
    added: [],
    removed: [],
  };
}

function splitHeader(rest: string): [string, string] | undefined {
  if (rest.startsWith('"')) {
    const end = quotedEnd(rest);
    if (end < 0) return undefined;
    const a = unquote(rest.slice(0, end + 1));
    const b = unquote(rest.slice(end + 2));
    return [stripPrefix(a, 'a/'), stripPrefix(b, 'b/')];
  }
  if (rest.endsWith('"')) {
    const start = rest.lastIndexOf(' "');
    if (start < 0) return undefined;
    return [stripPrefix(rest.slice(0, start), 'a/'), stripPrefix(unquote(rest.slice(start + 1)), 'b/')];
  }
  // Unquoted, both sides the same path: `a/P b/P`. A rename's header is corrected by its `rename to` line.
  if (rest.length % 2 === 1) {
    const half = (rest.length - 1) / 2;
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (a.startsWith('a/') && b.startsWith('b/') && a.slice(2) === b.slice(2)) return [a.slice(2), b.slice(2)];
  }
  const at = rest.indexOf(' b/');
  if (at < 0) return undefined;
  return [stripPrefix(rest.slice(0, at), 'a/'), rest.slice(at + 3)];
}

function quotedEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

const utf8 = new TextEncoder();
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b' };

/** git's C-style quoting of unusual paths (`"a/tab\there"`, octal bytes for non-ASCII), undone. */
export function unquote(text: string): string {
  if (!(text.startsWith('"') && text.endsWith('"') && text.length >= 2)) return text;
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...utf8.encode(ch));
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...utf8.encode(ESCAPES[next] ?? next));
      i++;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function stripPrefix(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
