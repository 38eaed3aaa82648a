// The front matter of `_overview.md` in the shapes samocode writes it (js-yaml's dump of plain data, through
// overview-format.ts), read without js-yaml. Why: a resumed start reads that file before its first agent runs, and
// js-yaml's first load and first parse in a process cost ~2 ms of that way (bench). What is taken: `key: scalar`
// lines, nested mappings and lists of scalars indented by two, `[]` and `{}`, single- and double-quoted scalars,
// `|` and `>` block scalars, and plain scalars only where YAML's reading of them is beyond doubt. Anything else (a
// comment, another indentation, a flow list, a plain scalar YAML might take as a number, a date or null, a duplicate
// key) gives `undefined`, and js-yaml decides: the same data or js-yaml's own error, never a different reading
// (tests/unit/front-matter-plain.test.ts holds each answer against js-yaml's). Pure.

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
type Parsed = { value: Value; next: number } | undefined;

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$/;
const BLOCK_HEADER = /^([|>])(-?)$/;
const INT = /^(?:0|-?[1-9][0-9]*)$/;
const FLOAT = /^-?(?:0|[1-9][0-9]*)\.[0-9]+$/;
/** Plain scalars that start like a number, a date or a time: YAML may read them as such (js-yaml decides). */
const NUMBER_LIKE = /^[0-9][0-9_]*(?:[.:][0-9_]*)*(?:[eE][-+]?[0-9]+)?$|^0[xXoObB]|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;
/** First characters YAML gives a meaning to (indicators, signs, `.inf`, `<<`): such plain scalars go to js-yaml. */
const SPECIAL_START = /^[-?:,[\]{}#&*!|>'"%@`+.<=~\s]/;
const NULLS = new Set(['null', 'Null', 'NULL']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);
/** YAML 1.1's booleans: js-yaml reads them as text, but another reader might not; quoted by samocode's writer. */
const OLD_BOOLEANS = /^(?:y|n|yes|no|on|off)$/i;
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
/** `\x`, `\u` and `\U`: how many hex digits each takes. */
const HEX_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };
const HEX = /^[0-9a-fA-F]+$/;

/** The front matter's data, or undefined when it is not in the plain shapes (then js-yaml reads it). */
export function plainFrontMatter(text: string): Record<string, Value> | undefined {
  if (!text.startsWith('---\n')) return undefined;
  // Where gray-matter ends it: the first "\n---" after the opening fence.
  const close = text.indexOf('\n---', 3);
  if (close <= 3) return undefined;
  const yaml = text.slice(4, close);
  if (yaml.includes('\r') || yaml.includes('\t')) return undefined;
  const lines = yaml.split('\n');
  const parsed = mapping(lines, 0, 0);
  if (parsed === undefined || parsed.next !== lines.length) return undefined;
  return parsed.value as Record<string, Value>;
}

function indentOf(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
}

/** Keys at exactly `indent`, from line `start` to the first line indented less (or the end). */
function mapping(lines: string[], start: number, indent: number): Parsed {
  const out: Record<string, Value> = {};
  let i = start;
  while (i < lines.length) {
    const line = lines[i]!;
    const at = indentOf(line);
    if (at < indent && line !== '') break;
    if (at !== indent) return undefined;
    const match = KEY_LINE.exec(line.slice(indent));
    if (!match) return undefined;
    const [, key, rest] = match as unknown as [string, string, string | undefined];
    if (Object.hasOwn(out, key) || key === '__proto__') return undefined;
    const parsed = rest === undefined ? nested(lines, i + 1, indent) : inline(rest, lines, i + 1, indent);
    if (parsed === undefined) return undefined;
    out[key] = parsed.value;
    i = parsed.next;
  }
  return i === start ? undefined : { value: out, next: i };
}

/** What follows `key:` alone on its line: a mapping or a list, indented by two more. */
function nested(lines: string[], start: number, indent: number): Parsed {
  const first = lines[start];
  if (first === undefined || indentOf(first) !== indent + 2) return undefined;
  return first.startsWith('- ', indent + 2) ? list(lines, start, indent + 2) : mapping(lines, start, indent + 2);
}

/** `- scalar` items at exactly `indent`. */
function list(lines: string[], start: number, indent: number): Parsed {
  const out: Value[] = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i]!;
    const at = indentOf(line);
    if (at < indent && line !== '') break;
    if (at !== indent || !line.startsWith('- ', indent)) return undefined;
    const item = scalar(line.slice(indent + 2));
    if (item === undefined) return undefined;
    out.push(item);
    i++;
  }
  return { value: out, next: i };
}

/** The value after `key: `: a scalar on the line, or a block scalar on the lines below. */
function inline(rest: string, lines: string[], next: number, indent: number): Parsed {
  if (rest === '[]') return { value: [], next };
  if (rest === '{}') return { value: {}, next };
  const header = BLOCK_HEADER.exec(rest);
  if (header) return blockScalar(lines, next, indent + 2, header[1] === '>', header[2] === '-');
  const value = scalar(rest);
  return value === undefined ? undefined : { value, next };
}

function scalar(text: string): Value | undefined {
  if (text.startsWith("'")) return singleQuoted(text);
  if (text.startsWith('"')) return doubleQuoted(text);
  return plain(text);
}

function plain(text: string): Value | undefined {
  if (text === '' || text.trimEnd() !== text) return undefined;
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  if (INT.test(text) || FLOAT.test(text)) return Number(text);
  if (SPECIAL_START.test(text) || NUMBER_LIKE.test(text) || OLD_BOOLEANS.test(text)) return undefined;
  // A comment or a key inside would change the line's meaning.
  if (text.includes(' #') || text.includes(': ') || text.endsWith(':')) return undefined;
  return text;
}

function singleQuoted(text: string): string | undefined {
  if (text.length < 2 || !text.endsWith("'")) return undefined;
  const inner = text.slice(1, -1);
  // Every quote inside is doubled; a lone one would have ended the scalar before the line's end.
  if (inner.replaceAll("''", '').includes("'")) return undefined;
  return inner.replaceAll("''", "'");
}

function doubleQuoted(text: string): string | undefined {
  let out = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return i === text.length - 1 ? out : undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++i];
    if (e === undefined) return undefined;
    const digits = Object.hasOwn(HEX_DIGITS, e) ? HEX_DIGITS[e] : undefined;
    if (digits !== undefined) {
      const hex = text.slice(i + 1, i + 1 + digits);
      if (hex.length !== digits || !HEX.test(hex)) return undefined;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) return undefined;
      out += String.fromCodePoint(code);
      i += digits;
    } else if (Object.hasOwn(ESCAPES, e)) out += ESCAPES[e];
    else return undefined;
  }
  return undefined; // no closing quote on this line
}

/**
 * `|` (lines as they are) or `>` (lines folded into one) with clip or strip (`-`) chomping, content indented by
 * exactly `indent`. A line with only spaces, one indented more in a folded scalar, or keep chomping: js-yaml.
 */
function blockScalar(lines: string[], start: number, indent: number, folded: boolean, strip: boolean): Parsed {
  const content: string[] = [];
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') {
      content.push('');
      continue;
    }
    const at = indentOf(line);
    if (at === line.length) return undefined;
    if (at < indent) break;
    // YAML takes the first line's indentation as the scalar's: indented more, it would keep less of each line.
    if (at > indent && (folded || content.every((l) => l === ''))) return undefined;
    content.push(line.slice(indent));
  }
  // Trailing empty lines belong to the chomping, and the scalar ends at the last line with text.
  let end = content.length;
  while (end > 0 && content[end - 1] === '') end--;
  if (end === 0) return undefined;
  const text = content.slice(0, end);
  let value: string;
  if (folded) {
    value = '';
    let empties = 0;
    for (const [n, line] of text.entries()) {
      if (line === '') {
        empties++;
        continue;
      }
      if (n > 0) value += empties > 0 ? '\n'.repeat(empties) : ' ';
      else value += '\n'.repeat(empties);
      empties = 0;
      value += line;
    }
  } else value = text.join('\n');
  return { value: strip ? value : `${value}\n`, next: i };
}
