// After a delivery as a pull request (DELIVER=pr), what the PR shows and what samocode does about it. Pure: the worker
// (queue/pr-watch.ts) runs gh (gates/pr-probe.ts), reads the session's past reactions from its history and acts on
// the decision here: CI failed → continue the session with the failing job's log, changes requested → continue with
// the review, approved and green → tell the person, merged or closed → stop watching. Nothing is ever merged.
// What was seen is keyed (the head commit of a CI failure, the id of a review), so the same thing is reacted to once,
// also after a worker restart: the keys are in the history's `pr_reaction` entries.
import * as z from './zod.js';
import { capText, withoutControls } from './agent-text.js';
import { oneLine } from './text.js';
import type { PrContinueRule, PrRules } from './pr-rules.js';

/** `pass`, `fail`, `pending`, `skipping`, `cancel` (gh's buckets); anything else counts as pending. */
export interface PrCheck {
  name: string;
  bucket: string;
  workflow: string;
  link: string;
  description: string;
}

export interface PrReview {
  id: string;
  author: string;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING. */
  state: string;
  body: string;
  submittedAt: string;
}

export interface PrComment {
  author: string;
  body: string;
  createdAt: string;
}

export interface PrFacts {
  url: string;
  /** OPEN, MERGED or CLOSED. */
  state: string;
  /** APPROVED, CHANGES_REQUESTED, REVIEW_REQUIRED, or empty (no review needed or none yet). */
  reviewDecision: string;
  headSha: string;
  reviews: PrReview[];
  comments: PrComment[];
  checks: PrCheck[];
}

export type PrSeen = 'ci_failed' | 'changes_requested' | 'approved' | 'merged' | 'closed';
export type PrDid = 'continue' | 'notify' | 'stop';

/** What the history keeps of one reaction (core/state.ts PrReactionEntry). */
export interface PrReaction {
  pr: string;
  seen: PrSeen;
  key: string;
  did: PrDid;
  /** A continuation: the how-manieth of its kind (1 of `of`). */
  attempt?: number | undefined;
  /** Notified instead of continued: the retries (`of`) are used up. */
  gaveUp?: true | undefined;
}

export type PrDecision =
  | { kind: 'nothing'; why: string }
  | {
      kind: 'react';
      seen: PrSeen;
      key: string;
      did: PrDid;
      /** For a continuation: which of how many. */
      attempt?: number | undefined;
      of?: number | undefined;
      gaveUp?: true | undefined;
      /** One line: the failing checks, the reviewer. */
      detail: string;
      failing: PrCheck[];
      review?: PrReview | undefined;
    };

/** Merged or closed already seen: nothing more to watch. */
export function stoppedWatching(past: readonly PrReaction[]): boolean {
  return past.some((r) => r.did === 'stop');
}

/**
 * What to do about the PR now, given what was already reacted to. One reaction per look, in this order: merged or
 * closed, a CI failure (once no check is pending: the whole round's failures at once), changes requested, approved
 * and green. A rule `off` lets the thing pass unrecorded.
 */
export function decidePrReaction(facts: PrFacts, rules: PrRules, past: readonly PrReaction[]): PrDecision {
  const seen = new Set(past.map((r) => r.key));
  const state = facts.state.toUpperCase();
  if (stoppedWatching(past)) return { kind: 'nothing', why: 'no longer watched (merged or closed)' };
  if (state === 'MERGED' || state === 'CLOSED') {
    const what = state === 'MERGED' ? 'merged' : 'closed';
    return { kind: 'react', seen: what, key: what, did: 'stop', detail: `the pull request was ${what}`, failing: [] };
  }
  const failing = facts.checks.filter((c) => c.bucket === 'fail');
  const pending = facts.checks.filter((c) => !['pass', 'fail', 'skipping', 'cancel'].includes(c.bucket));
  const sha = facts.headSha.slice(0, 12) || 'unknown';
  const continueOrNotify = (
    what: 'ci_failed' | 'changes_requested',
    key: string,
    rule: PrContinueRule,
    retries: number,
    detail: string,
    review?: PrReview,
  ): PrDecision | undefined => {
    if (rule === 'off' || seen.has(key)) return undefined;
    const done = past.filter((r) => r.seen === what && r.did === 'continue').length;
    if (rule === 'continue' && done < retries)
      return {
        kind: 'react',
        seen: what,
        key,
        did: 'continue',
        attempt: done + 1,
        of: retries,
        detail,
        failing,
        review,
      };
    return {
      kind: 'react',
      seen: what,
      key,
      did: 'notify',
      ...(rule === 'continue' ? { gaveUp: true as const, of: retries } : {}),
      detail,
      failing,
      review,
    };
  };
  if (failing.length > 0 && pending.length === 0) {
    const names = failing.map((c) => (c.workflow && c.workflow !== c.name ? `${c.workflow} / ${c.name}` : c.name));
    const react = continueOrNotify(
      'ci_failed',
      `ci_failed:${sha}`,
      rules.ciFailed,
      rules.ciRetries,
      `CI failed on ${sha.slice(0, 7)}: ${oneLine(names.join(', '), 300)}`,
    );
    if (react) return react;
  }
  if (facts.reviewDecision.toUpperCase() === 'CHANGES_REQUESTED') {
    const review = facts.reviews.filter((r) => r.state.toUpperCase() === 'CHANGES_REQUESTED').at(-1);
    if (review) {
      const react = continueOrNotify(
        'changes_requested',
        `changes_requested:${review.id || `${review.author}@${review.submittedAt}`}`,
        rules.changesRequested,
        rules.reviewRetries,
        `changes requested by ${review.author || 'a reviewer'}`,
        review,
      );
      if (react) return react;
    }
  }
  if (facts.reviewDecision.toUpperCase() === 'APPROVED' && failing.length === 0 && pending.length === 0) {
    const key = `approved:${sha}`;
    if (rules.approved === 'notify' && !seen.has(key))
      return {
        kind: 'react',
        seen: 'approved',
        key,
        did: 'notify',
        detail: `approved and green on ${sha.slice(0, 7)}: ready for you to merge`,
        failing: [],
      };
  }
  if (pending.length > 0) return { kind: 'nothing', why: `${pending.length} check(s) still running` };
  return { kind: 'nothing', why: 'nothing new' };
}

// ---- the instruction for the continued session ----

/** The most of a failing job's log given to the agent: its end, where the error is. */
export const PR_LOG_TAIL = 8_000;
/** The most of one review or comment body. */
const BODY_CAP = 2_000;
/** The whole instruction, which goes into every prompt of the new cycle. */
export const PR_INSTRUCTION_CAP = 12_000;

/** The last `max` characters of a log, without controls, with a note of what was left out. */
export function logTail(log: string, max = PR_LOG_TAIL): string {
  const clean = withoutControls(log).replace(/\r\n?/g, '\n').trimEnd();
  if (clean.length <= max) return clean;
  const cut = clean.slice(clean.length - max);
  const start = cut.indexOf('\n') + 1;
  return `… (${clean.length - max + start} earlier characters of the log left out)\n${cut.slice(start)}`;
}

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

function body(text: string): string {
  return capText(withoutControls(text).trim(), BODY_CAP);
}

/**
 * The instruction of the continuation: what failed or what the reviewer asked, with the evidence. `logs`: the failing
 * jobs' logs (already scrubbed by the caller), by check name. `since`: comments older than this are not repeated.
 */
export function prInstruction(
  decision: Extract<PrDecision, { kind: 'react' }>,
  facts: PrFacts,
  logs: readonly { name: string; log: string }[],
  since?: string | undefined,
): string {
  const parts: string[] = [];
  if (decision.seen === 'ci_failed') {
    parts.push(
      `CI failed on the pull request ${facts.url} (head ${facts.headSha.slice(0, 12)}): ${decision.failing.map((c) => c.name).join(', ')}.`,
      'Find the cause and fix it on this branch, with a commit; samocode pushes the branch to the same pull request when the session is done again.',
    );
    for (const check of decision.failing) {
      const log = logs.find((l) => l.name === check.name);
      if (log && log.log.trim())
        parts.push(`The log of the failing job "${check.name}" (its end):\n${fenced(logTail(log.log))}`);
      else
        parts.push(
          `"${check.name}": no log could be read${check.description ? `; it says: ${oneLine(withoutControls(check.description), 300)}` : ''}${check.link ? ` (${check.link})` : ''}.`,
        );
    }
  } else {
    const review = decision.review;
    parts.push(
      `A reviewer requested changes on the pull request ${facts.url}${review?.author ? ` (${review.author})` : ''}.`,
      'Address every point on this branch, with commits; samocode pushes the branch to the same pull request when the session is done again.',
    );
    if (review?.body.trim()) parts.push(`The review:\n${fenced(body(review.body))}`);
    const comments = facts.comments.filter((c) => !since || c.createdAt > since).slice(-10);
    for (const comment of comments)
      parts.push(`A comment by ${comment.author || 'someone'} (${comment.createdAt}):\n${fenced(body(comment.body))}`);
  }
  return capText(parts.join('\n\n'), PR_INSTRUCTION_CAP);
}

/** The person's message about a reaction (console, session.log, Telegram), one paragraph. */
export function prNotice(decision: Extract<PrDecision, { kind: 'react' }>, url: string): string {
  const head = `pull request ${url}: ${decision.detail}`;
  switch (decision.did) {
    case 'continue':
      return `${head}; continuing the session with it (${decision.attempt} of ${decision.of})`;
    case 'stop':
      return `${head}; no longer watched`;
    case 'notify':
      if (decision.gaveUp)
        return `${head}; the session was continued ${decision.of} time(s) for ${decision.seen === 'ci_failed' ? 'failed CI' : 'requested changes'} on this pull request already (${decision.seen === 'ci_failed' ? 'PR_CI_RETRIES' : 'PR_REVIEW_RETRIES'}=${decision.of}): over to you`;
      if (decision.seen === 'approved') return `${head}. samocode never merges: merge it yourself`;
      return `${head}; over to you (the rule for it is notify)`;
  }
}

// ---- reading gh's JSON ----

// Every field is optional and of any type in gh's output as far as samocode is concerned: a missing or odd one reads
// as empty, never as a crash (hostile input is normal input).
// Built on first use: the settings table imports this file's rule names on every start, and a dozen zod schemas
// cost ~2 ms there that only the worker's PR watch needs.
let schemas: ReturnType<typeof makeSchemas> | undefined;
const prSchemas = () => (schemas ??= makeSchemas());

function makeSchemas() {
  const text = z.catch(z.string(), '');
  const login = z.pipe(
    z.catch(z.object({ login: text }), { login: '' }),
    z.transform((author: { login: string }) => oneLine(withoutControls(author.login), 100)),
  );
  const review = z.object({ id: text, author: login, state: text, body: text, submittedAt: text });
  const comment = z.object({ author: login, body: text, createdAt: text });
  const check = z.object({ name: text, bucket: text, workflow: text, link: text, description: text });

  const view = z.object({
    state: text,
    reviewDecision: text,
    headRefOid: text,
    reviews: z.catch(
      z.array(
        z.pipe(
          review,
          z.transform((r: z.infer<typeof review>) => ({ ...r, body: capText(r.body, BODY_CAP * 4) })),
        ),
      ),
      [],
    ),
    comments: z.catch(
      z.array(
        z.pipe(
          comment,
          z.transform((c: z.infer<typeof comment>) => ({ ...c, body: capText(c.body, BODY_CAP * 4) })),
        ),
      ),
      [],
    ),
  });

  const checks = z.array(
    z.pipe(
      check,
      z.transform((c: z.infer<typeof check>) => ({
        name: oneLine(withoutControls(c.name), 200),
        bucket: c.bucket.toLowerCase(),
        workflow: oneLine(withoutControls(c.workflow), 200),
        link: oneLine(c.link, 500),
        description: oneLine(withoutControls(c.description), 500),
      })),
    ),
  );
  return { view, checks };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function json(stdout: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(stdout) };
  } catch {
    return { ok: false, problem: `printed no JSON (${JSON.stringify(oneLine(withoutControls(stdout), 120))})` };
  }
}

/** `gh pr view <url> --json state,reviewDecision,headRefOid,reviews,comments`. */
export function parsePrView(stdout: string): Parsed<Omit<PrFacts, 'url' | 'checks'>> {
  const read = json(stdout);
  if (!read.ok) return read;
  const parsed = prSchemas().view.safeParse(read.value);
  if (!parsed.success) return { ok: false, problem: 'printed JSON that is not a pull request' };
  const v = parsed.data;
  if (!/^(OPEN|MERGED|CLOSED)$/i.test(v.state))
    return {
      ok: false,
      problem: `gave the state ${JSON.stringify(oneLine(v.state, 40))} (expected OPEN, MERGED or CLOSED)`,
    };
  return {
    ok: true,
    value: {
      state: v.state.toUpperCase(),
      reviewDecision: v.reviewDecision,
      headSha: /^[0-9a-f]{7,64}$/i.test(v.headRefOid) ? v.headRefOid : '',
      reviews: v.reviews,
      comments: v.comments,
    },
  };
}

/** `gh pr checks <url> --json name,bucket,workflow,link,description` (it exits 8 while checks are pending, 1 on a failure). */
export function parsePrChecks(stdout: string, stderr: string): Parsed<PrCheck[]> {
  // gh says so on stderr (exit 1) when the branch has no checks at all: nothing fails, nothing is pending.
  if (!stdout.trim() && /no checks reported/i.test(stderr)) return { ok: true, value: [] };
  const read = json(stdout);
  if (!read.ok) return read;
  const parsed = prSchemas().checks.safeParse(read.value);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, problem: 'printed JSON that is not a list of checks' };
}

/** The Actions run a check's link points to (`…/actions/runs/<id>/job/<job>`), for `gh run view --log-failed`. */
export function actionsRunOf(link: string): { run: string; job?: string | undefined } | undefined {
  const match = /\/actions\/runs\/(\d+)(?:\/job\/(\d+))?/.exec(link);
  return match ? { run: match[1]!, ...(match[2] ? { job: match[2] } : {}) } : undefined;
}

/** `[HOST/]OWNER/REPO` of a pull request URL, for gh's --repo. */
export function repoOfPr(url: string): string | undefined {
  const match = /^https?:\/\/([^/\s]+)\/([^/\s]+)\/([^/\s]+)\/pull\/\d+/.exec(url);
  if (!match) return undefined;
  return match[1] === 'github.com' ? `${match[2]}/${match[3]}` : `${match[1]}/${match[2]}/${match[3]}`;
}
