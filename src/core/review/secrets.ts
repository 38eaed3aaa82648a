// Secrets in the session's diff: never delivered. Unlike the review's findings these block the session (a click must
// not wave a key through). Three nets over the ADDED lines only (a removed secret is going away): the token shapes of
// core/secrets.ts, the values samocode knows to be secret (its own environment's), and secretlint's recommended rules;
// plus file names that hold secrets whatever is in them. A finding names the file, the line and the rule, and its
// excerpt is always empty: the value is never copied anywhere. Pure (secretlint is loaded on demand).
import { findSecrets } from '../secret-scan.js';
import { SECRET_SHAPES, makeScrubber, type Scrub } from '../secrets.js';
import type { DiffFile, DiffLine } from './diff.js';
import type { ReviewFinding } from './rules.js';

/** Names that are secrets by themselves. Examples and templates (`.env.example`) are not. */
const SECRET_FILES: readonly { pattern: RegExp; rule: string }[] = [
  { pattern: /(^|\/)\.env$/, rule: 'secret_file: .env' },
  { pattern: /(^|\/)\.env\.(?!(?:example|sample|template|dist|defaults)$)[^/]+$/, rule: 'secret_file: .env.*' },
  { pattern: /(^|\/)id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$/, rule: 'secret_file: ssh private key' },
  { pattern: /\.(?:pem|key|p12|pfx|jks|keystore|kdbx|ppk)$/i, rule: 'secret_file: key file' },
  { pattern: /(^|\/)credentials\.json$/, rule: 'secret_file: credentials.json' },
  { pattern: /(^|\/)(?:\.git-credentials|\.htpasswd|\.pgpass)$/, rule: 'secret_file: credentials store' },
  { pattern: /(^|\/)(?:service[-_]?account|gcp[-_]key)[^/]*\.json$/i, rule: 'secret_file: service account key' },
];

/** Files that are fine to commit unless a line in them holds a credential. */
const CREDENTIAL_LINES: readonly { file: RegExp; line: RegExp; rule: string }[] = [
  {
    file: /(^|\/)\.npmrc$/,
    line: /(?:_authToken|_auth|_password)\s*=\s*(?!\$\{)\S/,
    rule: 'secret_file: .npmrc with a token',
  },
  { file: /(^|\/)\.pypirc$/, line: /^\s*password\s*[=:]\s*\S/, rule: 'secret_file: .pypirc with a password' },
  { file: /(^|\/)\.netrc$/, line: /\bpassword\s+\S/, rule: 'secret_file: .netrc with a password' },
  {
    file: /(^|\/)\.docker\/config\.json$/,
    line: /"auth"\s*:\s*"[^"]+"/,
    rule: 'secret_file: docker config with auth',
  },
];

/** The shapes that are a secret as a whole (not a `NAME=value` guess): fired on sight. */
const WHOLE_SHAPES = SECRET_SHAPES.filter((shape) => !shape.replace);
const shapesOnly = makeScrubber([]);

export interface SecretScanOptions {
  /** The run's scrubber: it also knows this session's secret values (from the environment, `.env`, `.samocode`). */
  scrub?: Scrub | undefined;
}

export async function scanDiffSecrets(
  files: readonly DiffFile[],
  opts: SecretScanOptions = {},
): Promise<{ findings: ReviewFinding[]; notes: string[] }> {
  const findings: ReviewFinding[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const add = (file: string, line: number | undefined, rule: string) => {
    const key = `${file}\n${line ?? ''}\n${rule}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ rule, file, line, excerpt: '' });
  };

  for (const file of files) {
    if (file.change === 'deleted') continue;
    for (const { pattern, rule } of SECRET_FILES) if (pattern.test(file.path)) add(file.path, undefined, rule);
    for (const { file: name, line, rule } of CREDENTIAL_LINES) {
      if (!name.test(file.path)) continue;
      for (const added of file.added) if (line.test(added.text)) add(file.path, added.line, rule);
    }
    for (const line of file.added) {
      for (const shape of WHOLE_SHAPES) {
        shape.pattern.lastIndex = 0;
        if (shape.pattern.test(line.text)) add(file.path, line.line, `secret: ${shape.name}`);
      }
      if (opts.scrub && opts.scrub(line.text) !== shapesOnly(line.text)) {
        add(file.path, line.line, 'secret: a value of this machine known to be secret');
      }
    }
    const lint = await lintAdded(file.path, file.added);
    if (lint === undefined) notes.push(`secretlint could not scan ${file.path}; only the built-in shapes were used`);
    else for (const hit of lint) add(file.path, hit.line, `secretlint: ${hit.rule}`);
  }
  return { findings, notes };
}

/** secretlint over a file's added lines joined, each hit mapped back to its line in the new file. */
async function lintAdded(path: string, added: readonly DiffLine[]) {
  if (added.length === 0) return [];
  const hits = await findSecrets(added.map((line) => line.text).join('\n'), path);
  if (hits === undefined) return undefined;
  return hits.map((hit) => ({
    line: added[Math.min(hit.line, added.length) - 1]?.line,
    rule: hit.ruleId.replace(/^@secretlint\/secretlint-rule-/, ''),
  }));
}
