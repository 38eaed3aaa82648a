// The review hook of the gates (gates/gates.ts createGates `review`): read the session's diff with git, bounded, and
// hand it to the pure core (core/review/): secrets in it block, anything else the rules find goes into `_review.md`
// for the person, ending with `**Decision:** _waiting_`. The diff is the merge base with the base branch against the
// working tree (every commit of the branch plus what is not committed yet), plus untracked files as added ones.
import { lstatSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { parseDiff, type DiffFile } from '../core/review/diff.js';
import { planFiles, renderReview } from '../core/review/review-file.js';
import { reviewDiff } from '../core/review/rules.js';
import { scanDiffSecrets } from '../core/review/secrets.js';
import { scanSecrets } from '../core/secret-scan.js';
import { REVIEW_FILE } from '../core/session-files.js';
import { readIfExists } from '../io/read-if-exists.js';
import type { ReviewContext, ReviewHook } from './gates.js';

/** What the hook returns: `file` is relative to the session folder, set when there are findings to decide on. */
export type ReviewResult = Awaited<ReturnType<ReviewHook>>;

/** The most of the diff read (more is cut with a `review_incomplete` finding): a session's diff, not a vendored tree. */
export const DIFF_LIMIT_BYTES = 16 * 1024 * 1024;
/** Untracked files read one git call each: beyond this many, the rest is named in a note. */
const UNTRACKED_LIMIT = 200;

// Whatever the person's git configuration says, the diff must come in the one format the parser reads.
const DIFF_ARGS = [
  '-c',
  'core.quotePath=true',
  '-c',
  'diff.noprefix=false',
  '-c',
  'diff.mnemonicPrefix=false',
  'diff',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--src-prefix=a/',
  '--dst-prefix=b/',
  '-M',
];

export const reviewSession: ReviewHook = (ctx) => review(ctx, DIFF_LIMIT_BYTES);

/** The same with another limit on the diff read (tests: a cut without writing megabytes). */
export function reviewSessionWithLimit(limitBytes: number): ReviewHook {
  return (ctx) => review(ctx, limitBytes);
}

async function review(ctx: ReviewContext, limitBytes: number): Promise<ReviewResult> {
  if (ctx.state.standalone || !ctx.base) return { secrets: [], findings: [] };
  const diff = await readDiff(ctx, limitBytes);
  if (ctx.abort.aborted) return { secrets: [], findings: [] };
  const parsed = parseDiff(diff.text);
  const notes = [...diff.notes, ...parsed.notes];
  const sizes = fileSizes(ctx.workingDir, parsed.files);

  const secrets = await scanDiffSecrets(parsed.files, { scrub: ctx.scrub });
  // The value never leaves: the findings carry no excerpt, and the paths are scrubbed like every other text.
  const blocked = secrets.findings.map((finding) => ({ ...finding, file: ctx.scrub(finding.file), excerpt: '' }));
  const plan = ctx.state.approvedPlan ? readIfExists(join(ctx.sessionDir, ctx.state.approvedPlan)) : undefined;
  const raw = reviewDiff(parsed.files, {
    planFiles: plan === undefined ? undefined : planFiles(plan),
    sizes,
    notes: [...notes, ...secrets.notes],
  });
  const findings = await Promise.all(
    raw.map(async (finding) => ({
      ...finding,
      file: ctx.scrub(finding.file),
      excerpt: await scanSecrets(ctx.scrub(finding.excerpt)),
    })),
  );
  // A session that holds a secret is blocked, not reviewed: the review is written when it is run again, clean.
  if (blocked.length > 0 || findings.length === 0) return { secrets: blocked, findings };
  const text = renderReview(findings, { base: ctx.base, branch: ctx.state.branch, head: ctx.head });
  writeFileAtomicSync(join(ctx.sessionDir, REVIEW_FILE), ctx.scrub(text));
  return { secrets: blocked, findings, file: REVIEW_FILE };
}

interface DiffText {
  text: string;
  notes: string[];
}

async function readDiff(ctx: ReviewContext, limitBytes: number): Promise<DiffText> {
  const notes: string[] = [];
  const mergeBase = await git(ctx, ['merge-base', ctx.base!, ctx.head ?? 'HEAD'], 4096);
  const from = mergeBase.ok ? mergeBase.out.trim() : ctx.base!;
  if (!mergeBase.ok) notes.push(`git merge-base ${ctx.base} HEAD failed; the diff is against ${ctx.base} itself`);
  // Against the working tree: the branch's commits and what is still uncommitted, in one diff.
  const own = ownPathspecs(ctx);
  const tracked = await git(ctx, [...DIFF_ARGS, from, '--', ...own], limitBytes);
  if (!tracked.ok && !tracked.cut) notes.push(`git diff ${from} failed: ${oneLine(tracked.err)}`);
  if (tracked.cut) notes.push(`the diff is over ${formatBytes(limitBytes)}: only its first part was read`);
  let text = tracked.out;
  let budget = limitBytes - Buffer.byteLength(text);

  const untracked = await git(ctx, ['ls-files', '-z', '--others', '--exclude-standard', '--', ...own], 1024 * 1024);
  const paths = untracked.ok ? untracked.out.split('\0').filter(Boolean) : [];
  for (const [index, path] of paths.entries()) {
    if (index >= UNTRACKED_LIMIT || budget <= 0 || ctx.abort.aborted) {
      notes.push(`${paths.length - index} untracked files were not read (the first: ${ctx.scrub(path)})`);
      break;
    }
    // `--no-index` exits 1 when the files differ: that is its success.
    const added = await git(ctx, [...DIFF_ARGS, '--no-index', '--', '/dev/null', path], budget, [0, 1]);
    if (added.cut) notes.push(`untracked ${ctx.scrub(path)} was cut at the diff limit`);
    text += added.out.endsWith('\n') || added.out === '' ? added.out : `${added.out}\n`;
    budget -= Buffer.byteLength(added.out);
  }
  return { text, notes };
}

interface GitOut {
  ok: boolean;
  out: string;
  err: string;
  /** The output reached `maxBytes` and was cut there. */
  cut: boolean;
}

async function git(ctx: ReviewContext, args: string[], maxBytes: number, okCodes = [0]): Promise<GitOut> {
  const result = await execa('git', args, {
    cwd: ctx.workingDir,
    reject: false,
    stdin: 'ignore',
    maxBuffer: { stdout: maxBytes, stderr: 64 * 1024 },
    stripFinalNewline: false,
    cancelSignal: ctx.abort,
    env: { GIT_PAGER: 'cat', LC_ALL: 'C' },
  });
  return {
    ok: okCodes.includes(result.exitCode ?? -1) && !result.isMaxBuffer,
    out: String(result.stdout ?? ''),
    err: String(result.stderr ?? ''),
    cut: result.isMaxBuffer,
  };
}

/** The sessions folder, when it lies inside the working dir: samocode's files are not the agent's change. */
function ownPathspecs(ctx: ReviewContext): string[] {
  const inside = relative(ctx.workingDir, dirname(ctx.sessionDir));
  if (inside === '' || inside.startsWith('..') || inside.startsWith('/')) return [];
  return ['.', `:(exclude)${inside}`];
}

/** Sizes of the added files as they are in the working tree (regular files only: a symlink is its target's name). */
function fileSizes(workingDir: string, files: readonly DiffFile[]): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const file of files) {
    if (file.change !== 'added') continue;
    try {
      const stat = lstatSync(join(workingDir, file.path));
      if (stat.isFile()) sizes[file.path] = stat.size;
    } catch {
      // Gone since the diff was read: nothing to measure.
    }
  }
  return sizes;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : `${bytes} bytes`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
