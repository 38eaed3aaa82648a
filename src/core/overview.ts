// `_overview.md` → SessionState, validated: by overview-plain.ts where the data is as the schema takes it, else by
// zod (which names what is wrong). Read by front-matter-plain.ts where samocode wrote it, else by gray-matter's YAML.
// Writing is in overview-format.ts, which stays free of zod. Pure: the file IO is in io/state-store.ts.
import matter from 'gray-matter';
// zod's mini API (core/zod.ts): the schema builds in ~1.5 ms instead of the classic API's ~8 (when it is built).
import * as z from './zod.js';
import { DELIVER_MODES } from './delivery.js';
import { PHASES, type Phase } from './phases.js';
import { FRONT_MATTER_OPEN } from './overview-body.js';
import { quickOverview } from './overview-quick.js';
import { plainState } from './overview-plain.js';
import { ZERO_TOTALS, type SessionState } from './state.js';
import { GATE_REFUSALS } from './gates.js';

/**
 * The front matter's schema, built on first use: overview-plain.ts takes what it can read as it is, so most starts
 * never build it (~1.5 ms). The reference for that reader, and what names a bad field.
 */
let schema: ReturnType<typeof buildSchema> | undefined;
export const frontMatterSchema = () => (schema ??= buildSchema());

function buildSchema() {
  // Shared where the same rule recurs: zod schemas are immutable, and each one built costs at every start.
  const count = z.number().check(z.int(), z.minimum(0));
  const countOr0 = z._default(count, 0);
  const optionalCount = z.optional(count);
  const nonNegativeOr0 = z._default(z.number().check(z.minimum(0)), 0);
  const nonEmpty = z.string().check(z.minLength(1));
  const text = z.string();
  const isoTime = z.pipe(
    z.transform((v: unknown) => (v instanceof Date ? v.toISOString() : v)),
    nonEmpty,
  );
  const optionalText = z.pipe(
    z.nullable(z.optional(text)),
    z.transform((v: string | null | undefined) => v ?? undefined),
  );

  const checkRun = z.object({
    name: text,
    command: text,
    exitCode: z.nullable(z.number().check(z.int())),
    timedOut: z.boolean(),
    durationMs: z.number().check(z.minimum(0)),
    log: text,
    cls: optionalText,
    hint: optionalText,
    excerpt: optionalText,
  });

  const gateFailure = z.object({
    kind: z.enum(GATE_REFUSALS),
    key: text,
    count,
    message: text,
    check: z.optional(checkRun),
    iteration: count,
  });

  return z.object({
    session: nonEmpty,
    name: nonEmpty,
    task: text,
    dive: optionalText,
    phase: z.enum(PHASES),
    status: z.enum(['running', 'waiting', 'blocked', 'done']),
    phaseIterations: count,
    iterations: count,
    historySeq: countOr0,
    gatesPassed: z._default(z.array(z.enum(PHASES)), []),
    waitingFor: optionalText,
    waitingFile: optionalText,
    waitQuestions: optionalCount,
    needs: optionalText,
    blockedReason: optionalText,
    blockedKind: optionalText,
    lastSummary: optionalText,
    approvedPlan: optionalText,
    planFeedback: optionalText,
    reviewFeedback: optionalText,
    reviewFindings: optionalCount,
    budgetWarned: z.optional(z.array(z.enum(['iterations', 'hours', 'cost', 'tokens']))),
    stallCount: optionalCount,
    carryNote: optionalText,
    gateFailure: z.optional(gateFailure),
    verifiedTree: optionalText,
    instruction: optionalText,
    cycle: z.optional(z.number().check(z.int(), z.minimum(1))),
    startedAt: isoTime,
    updatedAt: isoTime,
    workingDir: nonEmpty,
    branch: optionalText,
    baseBranch: optionalText,
    standalone: z._default(z.boolean(), false),
    totals: z._default(
      z.object({
        costUsd: nonNegativeOr0,
        inputTokens: countOr0,
        outputTokens: countOr0,
        cacheReadTokens: countOr0,
        cacheWriteTokens: countOr0,
        agentMs: nonNegativeOr0,
        activeMs: nonNegativeOr0,
        costEstimated: z.optional(z.boolean()),
      }),
      ZERO_TOTALS,
    ),
    delivery: z.optional(
      z.object({
        dir: nonEmpty,
        mode: z.enum(DELIVER_MODES),
        time: isoTime,
        commits: count,
        diffstat: optionalText,
        patches: count,
        pushed: optionalText,
        prUrl: optionalText,
        problems: count,
      }),
    ),
  });
}

export type OverviewRead =
  | { kind: 'state'; state: SessionState; body: string }
  /** An `_overview.md` from the Python original: no front matter, a `## Status` section instead. */
  | { kind: 'legacy'; phase: Phase; iterations: number; body: string }
  | { kind: 'invalid'; message: string };

export function parseOverview(text: string, file: string): OverviewRead {
  if (!FRONT_MATTER_OPEN.test(text)) return parseLegacy(text, file);
  // The shapes samocode writes, without js-yaml or zod (core/overview-quick.ts); anything else through gray-matter's
  // YAML, then checked field by field where it can be, else by the schema, which names the bad field.
  const quick = quickOverview(text);
  if (quick) return quick;
  let parsed: { data: unknown; content: string };
  try {
    // Passing options disables gray-matter's global cache, which would otherwise keep every version in memory.
    parsed = matter(text, { language: 'yaml' });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      kind: 'invalid',
      message: `${file}: the front matter between the --- lines is not valid YAML (${detail}). Restore it (it is written by samocode, not by hand) or move the file away to start the session afresh.`,
    };
  }
  const state = plainState(parsed.data);
  if (state) return { kind: 'state', state, body: parsed.content };
  // jitless: zod would first compile a parser for the schema (`new Function`), ~5 ms at every start for one parse.
  const result = frontMatterSchema().safeParse(parsed.data, { jitless: true });
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((issue) => {
      const key = issue.path.join('.');
      const value = key ? JSON.stringify(pick(parsed.data, issue.path)) : '';
      return `${key || '(front matter)'}=${value ?? '(missing)'}: ${issue.message}`;
    });
    return {
      kind: 'invalid',
      message: `${file}: front matter field${issues.length > 1 ? 's' : ''} ${issues.join('; ')}. These fields are written by samocode; restore them (see _signal_history.jsonl for the last known phase).`,
    };
  }
  return { kind: 'state', state: result.data as SessionState, body: parsed.content };
}

const LEGACY_LINE = /^\s*[-*]?\s*\**(Phase|Iteration)\**\s*:\s*\**\s*([^\s*]+)/i;

function parseLegacy(text: string, file: string): OverviewRead {
  const section = /^##\s+Status\s*$/im.exec(text);
  if (!section) {
    return {
      kind: 'invalid',
      message: `${file} has neither samocode front matter nor a "## Status" section. Move it away to start the session afresh, or restore the front matter.`,
    };
  }
  let phase: string | undefined;
  let iterations = 0;
  const rest = text.slice(section.index + section[0].length).split(/\r?\n/);
  for (const line of rest) {
    if (/^##\s/.test(line)) break;
    const match = LEGACY_LINE.exec(line);
    if (!match) continue;
    const [, key, value] = match;
    if (key?.toLowerCase() === 'phase') phase = value?.toLowerCase();
    else iterations = Number.parseInt(value ?? '', 10) || 0;
  }
  if (!phase || !(PHASES as readonly string[]).includes(phase)) {
    return {
      kind: 'invalid',
      message: `${file}: the "## Status" section has Phase: ${JSON.stringify(phase ?? '(missing)')}; expected one of ${PHASES.join(', ')}. Fix that line and run again.`,
    };
  }
  return { kind: 'legacy', phase: phase as Phase, iterations, body: text };
}

function pick(data: unknown, path: PropertyKey[]): unknown {
  let value: unknown = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
