// Which of user.name and user.email a git config file plainly sets, read without running git. A start asks git
// whether it has an identity to commit with (gates/git-identity.ts), and that fork is on the way to the first spawn;
// when the files git reads set both in the plain shape `git config` itself writes, the answer is known without it.
// Only a positive answer is given: a file with a line outside that shape (a continuation, a quoted name, anything
// this does not understand) gives undefined, and the caller asks git. Pure: the files are read in io/git-files.ts.

export type IdentityKey = 'user.name' | 'user.email';

/** `[section]` or `[section "sub"]`, nothing after it but a comment. */
const HEADER = /^\[\s*([A-Za-z0-9.-]+)(\s+"(?:[^"\\]|\\.)*")?\s*\]\s*(?:[#;].*)?$/;
/** `key`, `key = value`: git's key names (a letter, then letters, digits and dashes). */
const ENTRY = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?$/;
/** A value samocode takes as it is: no quotes, escapes or comments to interpret. */
const PLAIN_VALUE = /^[^"\\#;]*$/;

/**
 * The identity keys `text` (one config file) sets to a non-blank value: the same test git-identity.ts applies to
 * `git config --get-regexp` (a key counts if any file gives it a value). undefined when a line is not plain.
 */
export function plainIdentityKeys(text: string): Set<IdentityKey> | undefined {
  const found = new Set<IdentityKey>();
  let inUser = false;
  for (const raw of text.replace(/^\uFEFF/, '').split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      const header = HEADER.exec(line);
      if (!header) return undefined; // e.g. `[user] name = x` on one line: legal, but not worth parsing here
      // `[user.x]` and `[user "x"]` are subsections: their keys are user.x.name, not user.name.
      inUser = header[1]!.toLowerCase() === 'user' && header[2] === undefined;
      continue;
    }
    const entry = ENTRY.exec(line);
    if (!entry) return undefined;
    const value = entry[2];
    // A value ending in a backslash goes on on the next line, which would be misread as a line of its own.
    if (value !== undefined && /\\$/.test(value)) return undefined;
    if (!inUser) continue;
    const key = `user.${entry[1]!.toLowerCase()}`;
    if (key !== 'user.name' && key !== 'user.email') continue;
    if (value === undefined) continue; // a bare `name` is boolean true: git prints the key with no value
    if (!PLAIN_VALUE.test(value)) return undefined;
    if (value.trim() !== '') found.add(key);
  }
  return found;
}
