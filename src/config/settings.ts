// Every setting samocode reads, as one table: its name, aliases, default, how to parse it, and the fix to print
// when it is wrong. `resolveSettings` layers the sources (flags > process env > .env > .samocode) and validates
// everything at once. Pure: reading files and checking the disk happen in load.ts.
import { resolve } from 'node:path';
import { RETRY_LIMITS } from '../core/attempts.js';
import { BUDGET_PROFILES, type Budget, type BudgetProfile } from '../core/budget.js';
import { PHASES, defaultPhaseLimits, isPhase, type Phase } from '../core/phases.js';
import { refFormatProblem } from '../core/session-name.js';
import { LOG_FORMATS, type Config } from '../core/config.js';
import { DELIVER_MODES } from '../core/delivery.js';
import { PR_CONTINUE_RULES, PR_NOTIFY_RULES } from '../core/pr-rules.js';
import { PROVIDERS, STREAM_FORMATS, type Provider } from '../core/provider-facts.js';
import type { ConfigProblem } from '../errors.js';
import { DEFAULT_BLOCK_AFTER, type CheckSpec } from '../core/gates.js';

/** One value as found in one source, before validation. */
export interface RawValue {
  value: string;
  /** `--flag`, `environment`, or a file path: named in error messages. */
  source: string;
  /** Folder that relative paths in this value are resolved against. */
  baseDir: string;
}

export type Layers = ReadonlyMap<string, RawValue>;

type Parser<T> = (
  raw: string,
  home: string,
  baseDir: string,
) => { ok: true; value: T } | { ok: false; message: string };

export interface SettingSpec<T = unknown> {
  key: string;
  aliases?: string[];
  /** Shown in the README reference and in --help. */
  doc: string;
  example: string;
  required?: boolean;
  default?: T;
  secret?: boolean;
  parse: Parser<T>;
}

const text: Parser<string> = (raw) =>
  raw.trim() === '' ? { ok: false, message: 'is empty' } : { ok: true, value: raw.trim() };

const path: Parser<string> = (raw, home, baseDir) => {
  const trimmed = raw.trim();
  if (trimmed === '') return { ok: false, message: 'is empty' };
  return { ok: true, value: resolvePath(trimmed, home, baseDir) };
};

/** A plain decimal number (no hex, no exponent, no empty string: Number() would take all three). */
function toNumber(raw: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
}

function integer(min: number): Parser<number> {
  return (raw) => {
    const value = toNumber(raw);
    return Number.isInteger(value) && value >= min
      ? { ok: true, value }
      : { ok: false, message: `is not a whole number ≥ ${min}` };
  };
}

function seconds(min: number): Parser<number> {
  return (raw) => {
    const value = toNumber(raw);
    return Number.isFinite(value) && value >= min
      ? { ok: true, value: Math.round(value * 1000) }
      : { ok: false, message: `is not a number of seconds ≥ ${min}` };
  };
}

/** Megabytes to bytes; at least 64 KB, so head and tail each keep something worth reading. */
const megabytes: Parser<number> = (raw) => {
  const value = toNumber(raw);
  return Number.isFinite(value) && value >= 0.0625
    ? { ok: true, value: Math.round(value * 1024 * 1024) }
    : { ok: false, message: 'is not a number of megabytes ≥ 0.0625 (64 KB)' };
};

function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (raw) => {
    const value = values.find((v) => v.toLowerCase() === raw.trim().toLowerCase());
    return value !== undefined ? { ok: true, value } : { ok: false, message: `is not one of ${values.join(', ')}` };
  };
}

const price: Parser<{ input: number; cachedInput: number; output: number }> = (raw) => {
  const parts = raw.split(',').map((p) => toNumber(p));
  return parts.length === 3 && parts.every((n) => Number.isFinite(n) && n >= 0)
    ? { ok: true, value: { input: parts[0]!, cachedInput: parts[1]!, output: parts[2]! } }
    : { ok: false, message: 'is not three numbers ≥ 0: input,cached input,output (USD per million tokens)' };
};

/** Extra command-line arguments, split the way a shell would (execa's parser: quotes keep spaces). */
const args: Parser<string[]> = (raw) => {
  const value = raw.trim();
  if (value === '') return { ok: true, value: [] };
  // Matching quotes, no unescaped shell operators: anything else is surely a mistake.
  if ((value.match(/"/g) ?? []).length % 2 === 1 || (value.match(/'/g) ?? []).length % 2 === 1)
    return { ok: false, message: 'has an unclosed quote' };
  return { ok: true, value: splitArgs(value) };
};

function splitArgs(text: string): string[] {
  const out: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text))
    out.push(match[1] ?? match[2] ?? match[3] ?? '');
  return out;
}

/** A remote name or URL for `git push`: one word, and never one git would read as an option. */
const remote: Parser<string> = (raw) => {
  const value = raw.trim();
  if (value === '') return { ok: false, message: 'is empty' };
  if (/\s/.test(value)) return { ok: false, message: 'has a space in it: give one remote name or URL' };
  if (value.startsWith('-')) return { ok: false, message: 'starts with "-", which git would take as an option' };
  return { ok: true, value };
};

/** A positive limit, or `none` for no limit. */
function limit(): Parser<number | null> {
  return (raw) => {
    if (/^(none|off|unlimited)$/i.test(raw.trim())) return { ok: true, value: null };
    const value = toNumber(raw);
    return Number.isFinite(value) && value > 0
      ? { ok: true, value }
      : { ok: false, message: 'is not a number > 0 (or "none")' };
  };
}

/** Minutes to milliseconds; `off`, `none` or `0` is undefined (the feature is off). */
function minutesOrOff(min: number): Parser<number | undefined> {
  return (raw) => {
    if (/^(off|none|0)$/i.test(raw.trim())) return { ok: true, value: undefined };
    const value = toNumber(raw);
    return Number.isFinite(value) && value >= min
      ? { ok: true, value: Math.round(value * 60_000) }
      : { ok: false, message: `is not a number of minutes ≥ ${min} (or "off")` };
  };
}

const phaseLimits: Parser<Record<Phase, number>> = (raw) => {
  const limits = defaultPhaseLimits();
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [phase, value] = part.split('=').map((s) => s.trim());
    if (!isPhase(phase))
      return { ok: false, message: `names unknown phase ${JSON.stringify(phase)} (phases: ${PHASES.join(', ')})` };
    const limit = Number(value);
    if (!Number.isInteger(limit) || limit < 1)
      return { ok: false, message: `gives ${phase} the limit ${JSON.stringify(value)}, not a whole number ≥ 1` };
    limits[phase] = limit;
  }
  return { ok: true, value: limits };
};

const telegramToken: Parser<string> = (raw) =>
  /^\d+:[A-Za-z0-9_-]{20,}$/.test(raw.trim())
    ? { ok: true, value: raw.trim() }
    : { ok: false, message: 'does not look like a bot token (digits, a colon, then 20+ letters, digits, _ or -)' };

/** The branch is `<prefix><session>`: the prefix must make a valid git branch with any valid session name. */
const branchPrefix: Parser<string> = (raw) => {
  const value = raw.trim();
  if (value === '') return { ok: false, message: 'is empty' };
  const problem = refFormatProblem(`${value}x`);
  return problem
    ? { ok: false, message: `does not make a valid git branch name: "${value}<session>" ${problem}` }
    : { ok: true, value };
};

const url: Parser<string> = (raw) =>
  /^https?:\/\/[^\s/]+(\/\S*)?$/.test(raw.trim())
    ? { ok: true, value: raw.trim().replace(/\/+$/, '') }
    : { ok: false, message: 'is not an http(s) URL' };

/** redis:// or rediss:// with a host; the password in it (if any) is a secret. */
const queueUrl: Parser<string> = (raw) =>
  /^rediss?:\/\/[^\s/]+(\/\d*)?$/.test(raw.trim())
    ? { ok: true, value: raw.trim() }
    : { ok: false, message: 'is not a Redis URL (redis://host:port or rediss://…); unset it for the local queue' };

const telegramChat: Parser<string> = (raw) =>
  /^(-?\d+|@[A-Za-z0-9_]{5,})$/.test(raw.trim())
    ? { ok: true, value: raw.trim() }
    : { ok: false, message: 'is not a chat id (a number such as 123456789 or -1001234567890) or @channelname' };

/** A shell command line; empty means "no check" (so the environment can switch off one a .samocode sets). */
const commandLine: Parser<string | undefined> = (raw) => {
  const value = raw.trim();
  if (value === '') return { ok: true, value: undefined };
  if (value.includes('\0')) return { ok: false, message: 'holds a NUL byte' };
  return { ok: true, value };
};

const yesNo: Parser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(value)) return { ok: true, value: true };
  if (['false', 'no', '0', 'off', ''].includes(value)) return { ok: true, value: false };
  return { ok: false, message: 'is not true or false' };
};

const email: Parser<string> = (raw) =>
  /^[^\s<>@]+@[^\s<>@]+$/.test(raw.trim())
    ? { ok: true, value: raw.trim() }
    : { ok: false, message: 'is not an e-mail address (name@host, no spaces or <>)' };

/**
 * More checks: any key `VERIFY_<NAME>` (letters, digits, _) that is not one of the VERIFY_ settings below, from
 * .samocode, .env or the environment. The check is named `<name>` in lower case with `-` for `_`
 * (`VERIFY_TYPE_CHECK` → `type-check`); `VERIFY_TIMEOUT_<NAME>` sets its own time limit. `VERIFY` itself is `verify`.
 */
export const NAMED_CHECK = /^VERIFY_([A-Z0-9][A-Z0-9_]*)$/;
const CHECK_TIMEOUT = /^VERIFY_TIMEOUT_([A-Z0-9][A-Z0-9_]*)$/;

/** Whether a key names a check or a check's time limit (loaded like a setting, though not in SETTINGS). */
export function isCheckKey(name: string): boolean {
  return !(name in SETTINGS) && (NAMED_CHECK.test(name) || CHECK_TIMEOUT.test(name));
}

export function checkName(key: string): string {
  return key === 'VERIFY' ? 'verify' : key.slice('VERIFY_'.length).toLowerCase().replaceAll('_', '-');
}

export const SETTINGS = {
  MAIN_REPO: {
    key: 'MAIN_REPO',
    doc: 'The repository the session works on (a git repo, or any folder for a standalone session).',
    example: 'MAIN_REPO=~/proj',
    required: true,
    parse: path,
  },
  WORKTREES: {
    key: 'WORKTREES',
    doc: 'Folder where each session gets its git worktree (`<WORKTREES>/<session>`).',
    example: 'WORKTREES=~/proj-worktrees',
    required: true,
    parse: path,
  },
  SESSIONS: {
    key: 'SESSIONS',
    doc: 'Folder holding the session folders (`<SESSIONS>/YY-MM-DD-<session>`).',
    example: 'SESSIONS=~/proj/.samocode-sessions',
    required: true,
    parse: path,
  },
  BASE_BRANCH: {
    key: 'BASE_BRANCH',
    doc: "Branch the session branch starts from. Default: origin's HEAD, else MAIN_REPO's current branch.",
    example: 'BASE_BRANCH=main',
    parse: text,
  },
  BRANCH_PREFIX: {
    key: 'BRANCH_PREFIX',
    doc: 'Prefix of the session branch name.',
    example: 'BRANCH_PREFIX=samocode/',
    default: 'samocode/',
    parse: branchPrefix,
  },
  SAMOCODE_PROVIDER: {
    key: 'SAMOCODE_PROVIDER',
    aliases: ['PROVIDER'],
    doc: 'Agent CLI to run: claude, codex, or script (the built-in scripted agent).',
    example: 'SAMOCODE_PROVIDER=claude',
    default: 'claude',
    parse: oneOf(PROVIDERS),
  },
  CLAUDE_PATH: {
    key: 'CLAUDE_PATH',
    doc: 'Claude Code binary (name on PATH or a path).',
    example: 'CLAUDE_PATH=/usr/local/bin/claude',
    default: 'claude',
    parse: text,
  },
  CLAUDE_MODEL: {
    key: 'CLAUDE_MODEL',
    doc: 'Model passed to `claude --model`.',
    example: 'CLAUDE_MODEL=claude-sonnet-4-5',
    parse: text,
  },
  CLAUDE_MAX_TURNS: {
    key: 'CLAUDE_MAX_TURNS',
    doc: 'Passed to `claude --max-turns`.',
    example: 'CLAUDE_MAX_TURNS=80',
    parse: integer(1),
  },
  CLAUDE_PERMISSION_MODE: {
    key: 'CLAUDE_PERMISSION_MODE',
    doc: 'How Claude Code may act: `bypassPermissions` (unattended; `--dangerously-skip-permissions`, with IS_SANDBOX=1 as root) or `acceptEdits`/`default`/`plan` (`--permission-mode`; the session folder is added with `--add-dir`, but tools needing approval are denied).',
    example: 'CLAUDE_PERMISSION_MODE=acceptEdits',
    default: 'bypassPermissions',
    parse: oneOf(['bypassPermissions', 'acceptEdits', 'default', 'plan'] as const),
  },
  CLAUDE_ARGS: {
    key: 'CLAUDE_ARGS',
    doc: 'Extra arguments for `claude`, split like a shell would (quotes kept together).',
    example: 'CLAUDE_ARGS=--append-system-prompt "Be brief"',
    parse: args,
  },
  CODEX_PATH: {
    key: 'CODEX_PATH',
    doc: 'Codex binary (name on PATH or a path).',
    example: 'CODEX_PATH=codex',
    default: 'codex',
    parse: text,
  },
  CODEX_MODEL: {
    key: 'CODEX_MODEL',
    doc: 'Model passed to `codex exec --model`.',
    example: 'CODEX_MODEL=gpt-5-codex',
    parse: text,
  },
  CODEX_SANDBOX: {
    key: 'CODEX_SANDBOX',
    doc: 'Codex sandbox: `workspace-write` (the working dir, plus the session folder via `--add-dir`), or `danger-full-access` (`--dangerously-bypass-approvals-and-sandbox`).',
    example: 'CODEX_SANDBOX=workspace-write',
    default: 'workspace-write',
    parse: oneOf(['workspace-write', 'danger-full-access'] as const),
  },
  CODEX_ARGS: {
    key: 'CODEX_ARGS',
    doc: 'Extra arguments for `codex exec`, e.g. `-c` overrides, split like a shell would.',
    example: 'CODEX_ARGS=-c model_reasoning_effort=high',
    parse: args,
  },
  SAMOCODE_FALLBACK_PROVIDER: {
    key: 'SAMOCODE_FALLBACK_PROVIDER',
    doc: 'Provider to retry an iteration on, once, when the primary fails in a way that is not the content (authentication, CLI missing or refusing its arguments, API overloaded or down, rate limited).',
    example: 'SAMOCODE_FALLBACK_PROVIDER=codex',
    parse: oneOf(PROVIDERS),
  },
  SAMOCODE_IDLE_TIMEOUT: {
    key: 'SAMOCODE_IDLE_TIMEOUT',
    doc: 'Seconds the agent may print nothing while it runs before its process tree is stopped and the run retried (Claude is silent up to ~40 s between its own API retries); 0 turns it off.',
    example: 'SAMOCODE_IDLE_TIMEOUT=600',
    default: 600_000,
    parse: seconds(0),
  },
  CODEX_PRICE: {
    key: 'CODEX_PRICE',
    doc: 'USD per million tokens for Codex, which reports no cost: `input,cached input,output`.',
    example: 'CODEX_PRICE=1.25,0.125,10',
    default: { input: 1.25, cachedInput: 0.125, output: 10 },
    parse: price,
  },
  SAMOCODE_SCRIPT_FORMAT: {
    key: 'SAMOCODE_SCRIPT_FORMAT',
    doc: "Read the scripted agent's stdout as a `claude` or `codex` stream (cost, tokens, progress, error classes), or `none`.",
    example: 'SAMOCODE_SCRIPT_FORMAT=claude',
    default: 'none',
    parse: oneOf(['none', ...STREAM_FORMATS] as const),
  },
  SAMOCODE_SCRIPT: {
    key: 'SAMOCODE_SCRIPT',
    doc: 'Scenario file the `script` provider plays (see docs/scenarios.md).',
    example: 'SAMOCODE_SCRIPT=./scenario.json',
    parse: path,
  },
  SAMOCODE_TIMEOUT: {
    key: 'SAMOCODE_TIMEOUT',
    doc: 'Seconds one agent run may take before its whole process tree is killed.',
    example: 'SAMOCODE_TIMEOUT=1800',
    default: 1_800_000,
    parse: seconds(0.1),
  },
  SAMOCODE_MAX_RETRIES: {
    key: 'SAMOCODE_MAX_RETRIES',
    doc: 'Retries of a failed agent run (non-zero exit, spawn failure, timeout) before the session is blocked.',
    example: 'SAMOCODE_MAX_RETRIES=2',
    default: 2,
    parse: integer(0),
  },
  SAMOCODE_RETRY_DELAY: {
    key: 'SAMOCODE_RETRY_DELAY',
    doc: `Seconds before the first retry; doubles on each retry, capped at ${RETRY_LIMITS.maxDelayMs / 60_000} minutes.`,
    example: 'SAMOCODE_RETRY_DELAY=5',
    default: 5_000,
    parse: seconds(0),
  },
  SAMOCODE_RATE_LIMIT_WAIT: {
    key: 'SAMOCODE_RATE_LIMIT_WAIT',
    doc: `Longest wait, in seconds, for one rate limit (the CLI's retry-after or reset time is honoured up to this; a minute when it gives none). Waits do not count as failed attempts; ${RETRY_LIMITS.maxRateLimitWaits} in one iteration block the session.`,
    example: 'SAMOCODE_RATE_LIMIT_WAIT=900',
    default: 900_000,
    parse: seconds(0),
  },
  SAMOCODE_KILL_GRACE: {
    key: 'SAMOCODE_KILL_GRACE',
    doc: 'Seconds between SIGTERM and SIGKILL when the agent process group is stopped.',
    example: 'SAMOCODE_KILL_GRACE=5',
    default: 5_000,
    parse: seconds(0),
  },
  SAMOCODE_LOG_MAX_MB: {
    key: 'SAMOCODE_LOG_MAX_MB',
    doc: 'Megabytes of each raw agent log file (`_logs/*.jsonl`, `*.stderr.log`) kept per run: beyond it the head and the tail are kept, with a note of what was cut between them (cut while the agent runs once a file passes twice this, and to this after the run).',
    example: 'SAMOCODE_LOG_MAX_MB=20',
    default: 20 * 1024 * 1024,
    parse: megabytes,
  },
  SAMOCODE_PHASE_LIMITS: {
    key: 'SAMOCODE_PHASE_LIMITS',
    aliases: ['PHASE_LIMITS'],
    doc: `Per-phase iteration limits, overriding the defaults (${PHASES.filter((p) => p !== 'init')
      .map((p) => `${p}=${defaultPhaseLimits()[p]}`)
      .join(', ')}).`,
    example: 'SAMOCODE_PHASE_LIMITS=implementation=80,testing=20',
    default: defaultPhaseLimits(),
    parse: phaseLimits,
  },
  SAMOCODE_BUDGET_PROFILE: {
    key: 'SAMOCODE_BUDGET_PROFILE',
    doc: `Budget profile: ${Object.entries(BUDGET_PROFILES)
      .map(([name, b]) => `${name} (${b.iterations} iterations, ${b.hours} h, $${b.cost}, ${b.tokens / 1e6}M tokens)`)
      .join(', ')}. The four limits below override it one by one.`,
    example: 'SAMOCODE_BUDGET_PROFILE=deep',
    default: 'default',
    parse: oneOf(Object.keys(BUDGET_PROFILES) as BudgetProfile[]),
  },
  SAMOCODE_MAX_ITERATIONS: {
    key: 'SAMOCODE_MAX_ITERATIONS',
    doc: 'Iterations the session may run in all, or `none`.',
    example: 'SAMOCODE_MAX_ITERATIONS=200',
    parse: limit(),
  },
  SAMOCODE_MAX_HOURS: {
    key: 'SAMOCODE_MAX_HOURS',
    doc: 'Hours the session may spend in iterations (time waiting for you does not count), or `none`.',
    example: 'SAMOCODE_MAX_HOURS=10',
    parse: limit(),
  },
  SAMOCODE_MAX_COST: {
    key: 'SAMOCODE_MAX_COST',
    doc: 'US dollars the agents may spend in the session, or `none`.',
    example: 'SAMOCODE_MAX_COST=25',
    parse: limit(),
  },
  SAMOCODE_MAX_TOKENS: {
    key: 'SAMOCODE_MAX_TOKENS',
    doc: 'Tokens (input + output + cache) the agents may use in the session, or `none`.',
    example: 'SAMOCODE_MAX_TOKENS=20000000',
    parse: limit(),
  },
  SAMOCODE_QUEUE_NAME: {
    key: 'SAMOCODE_QUEUE_NAME',
    doc: "The BullMQ queue of this project on the Redis of SAMOCODE_QUEUE (letters, digits, `.`, `_`, `-`): the workers of one project share it. Default: `samocode-` and MAIN_REPO's folder name; set it when two projects of that name share a Redis.",
    example: 'SAMOCODE_QUEUE_NAME=samocode-shop',
    parse: (raw) =>
      /^[A-Za-z0-9._-]{1,100}$/.test(raw.trim())
        ? { ok: true, value: raw.trim() }
        : { ok: false, message: 'is not a queue name (1-100 letters, digits, ".", "_", "-")' },
  },
  SAMOCODE_QUEUE_LEASE: {
    key: 'SAMOCODE_QUEUE_LEASE',
    doc: "Seconds a worker's hold on a BullMQ job lasts without renewal (BullMQ's lockDuration; renewed every half of it). A worker gone this long has its job failed as stalled; Redis away this long stops the worker's sessions at a safe point.",
    example: 'SAMOCODE_QUEUE_LEASE=30',
    default: 30_000,
    parse: seconds(1),
  },
  SAMOCODE_KEEP_DONE_DAYS: {
    key: 'SAMOCODE_KEEP_DONE_DAYS',
    aliases: ['KEEP_DONE_DAYS'],
    doc: '`orchestrate prune`: days a done session keeps its worktree (and, with `--branches`, its branch) after it finished; `--older-than` overrides it.',
    example: 'SAMOCODE_KEEP_DONE_DAYS=14',
    default: 7,
    parse: integer(0),
  },
  SAMOCODE_STALL_LIMIT: {
    key: 'SAMOCODE_STALL_LIMIT',
    doc: 'Iterations in a row that stay in their phase and change nothing before the session is blocked as stalled; 0 turns it off.',
    example: 'SAMOCODE_STALL_LIMIT=3',
    default: 3,
    parse: integer(0),
  },
  DELIVER: {
    key: 'DELIVER',
    doc: 'What a done session hands over: `patch` (`_delivery/`: the patches, combined.mbox, summary.md), `push` (also pushes the branch to DELIVER_REMOTE), `pr` (pushes and opens a pull request with gh).',
    example: 'DELIVER=pr',
    default: 'patch',
    parse: oneOf(DELIVER_MODES),
  },
  DELIVER_REMOTE: {
    key: 'DELIVER_REMOTE',
    doc: 'The git remote DELIVER=push and pr push the session branch to: a remote name (`git remote -v`) or a URL.',
    example: 'DELIVER_REMOTE=origin',
    default: 'origin',
    parse: remote,
  },
  DELIVER_TIMEOUT: {
    key: 'DELIVER_TIMEOUT',
    doc: 'Seconds each git or gh call of the delivery may take (a push to a remote that does not answer).',
    example: 'DELIVER_TIMEOUT=300',
    default: 300_000,
    parse: seconds(1),
  },
  SAMOCODE_PR_POLL: {
    key: 'SAMOCODE_PR_POLL',
    aliases: ['PR_POLL'],
    doc: "Seconds between a worker's looks at the pull request of each done session it ran with DELIVER=pr (`gh pr view`, `gh pr checks`); what it sees is handled by the PR_ON_* rules. 0 turns the watching off.",
    example: 'SAMOCODE_PR_POLL=300',
    default: 300_000,
    parse: seconds(0),
  },
  SAMOCODE_PR_ON_CI_FAILED: {
    key: 'SAMOCODE_PR_ON_CI_FAILED',
    aliases: ['PR_ON_CI_FAILED'],
    doc: "A failed check on the pull request: `continue` the session (queued, from implementation) with the failing job's log as the instruction, up to PR_CI_RETRIES times, then notify; `notify` only; `off`.",
    example: 'SAMOCODE_PR_ON_CI_FAILED=notify',
    default: 'continue',
    parse: oneOf(PR_CONTINUE_RULES),
  },
  SAMOCODE_PR_CI_RETRIES: {
    key: 'SAMOCODE_PR_CI_RETRIES',
    aliases: ['PR_CI_RETRIES'],
    doc: 'Continuations for failed CI on one pull request before samocode only notifies.',
    example: 'SAMOCODE_PR_CI_RETRIES=3',
    default: 3,
    parse: integer(0),
  },
  SAMOCODE_PR_ON_CHANGES_REQUESTED: {
    key: 'SAMOCODE_PR_ON_CHANGES_REQUESTED',
    aliases: ['PR_ON_CHANGES_REQUESTED'],
    doc: 'A review that requests changes: `continue` the session with the review and the newer comments as the instruction, up to PR_REVIEW_RETRIES times, then notify; `notify`; `off`.',
    example: 'SAMOCODE_PR_ON_CHANGES_REQUESTED=continue',
    default: 'continue',
    parse: oneOf(PR_CONTINUE_RULES),
  },
  SAMOCODE_PR_REVIEW_RETRIES: {
    key: 'SAMOCODE_PR_REVIEW_RETRIES',
    aliases: ['PR_REVIEW_RETRIES'],
    doc: 'Continuations for requested changes on one pull request before samocode only notifies.',
    example: 'SAMOCODE_PR_REVIEW_RETRIES=2',
    default: 2,
    parse: integer(0),
  },
  SAMOCODE_PR_ON_APPROVED: {
    key: 'SAMOCODE_PR_ON_APPROVED',
    aliases: ['PR_ON_APPROVED'],
    doc: 'The pull request approved with every check green: `notify` the person (samocode never merges), or `off`.',
    example: 'SAMOCODE_PR_ON_APPROVED=off',
    default: 'notify',
    parse: oneOf(PR_NOTIFY_RULES),
  },
  VERIFY: {
    key: 'VERIFY',
    doc: 'A check samocode runs itself (`sh -c` in the working dir) before it accepts a move out of implementation, testing or quality to a later phase, and before `done`: a failure keeps the session in its phase and goes to the agent. More checks: `VERIFY_<NAME>=<command>` (named `<name>`; run after VERIFY, by name). An empty value switches a check off.',
    example: 'VERIFY=npm test',
    parse: commandLine,
  },
  VERIFY_TIMEOUT: {
    key: 'VERIFY_TIMEOUT',
    doc: "Seconds each check may take before its whole process group is stopped (a failure of class `timeout`); `VERIFY_TIMEOUT_<NAME>` sets one check's own.",
    example: 'VERIFY_TIMEOUT=900',
    default: 600_000,
    parse: seconds(0.1),
  },
  VERIFY_BLOCK_AFTER: {
    key: 'VERIFY_BLOCK_AFTER',
    doc: 'The same failure (one check with the same class of output, or one done rule) this many times in a row blocks the session with the output.',
    example: 'VERIFY_BLOCK_AFTER=5',
    default: DEFAULT_BLOCK_AFTER,
    parse: integer(1),
  },
  ALLOW_EMPTY_DONE: {
    key: 'ALLOW_EMPTY_DONE',
    doc: '`true`: `done` is accepted without a commit on the session branch beyond the base (a research-only task). The tree must still be clean.',
    example: 'ALLOW_EMPTY_DONE=true',
    default: false,
    parse: yesNo,
  },
  SAMOCODE_GIT_NAME: {
    key: 'SAMOCODE_GIT_NAME',
    doc: "Author and committer name the agent's commits get when the repository has no user.name (set through GIT_AUTHOR_NAME/GIT_COMMITTER_NAME in its environment; your git config is not touched).",
    example: 'SAMOCODE_GIT_NAME=samocode bot',
    default: 'samocode',
    parse: text,
  },
  SAMOCODE_GIT_EMAIL: {
    key: 'SAMOCODE_GIT_EMAIL',
    doc: 'The e-mail address that goes with SAMOCODE_GIT_NAME, when the repository has no user.email.',
    example: 'SAMOCODE_GIT_EMAIL=bot@example.com',
    default: 'samocode@localhost',
    parse: email,
  },
  SAMOCODE_QUEUE: {
    key: 'SAMOCODE_QUEUE',
    doc: 'Where `enqueue` and `worker` keep the queue: unset, the local queue beside the sessions (`<SESSIONS>/.queue/`, one machine); `redis://host:port` (or `rediss://`), BullMQ on Redis, for workers on several machines.',
    example: 'SAMOCODE_QUEUE=redis://127.0.0.1:6379',
    parse: queueUrl,
  },
  SAMOCODE_MAX_SESSIONS: {
    key: 'SAMOCODE_MAX_SESSIONS',
    aliases: ['MAX_SESSIONS'],
    doc: "Sessions of this project the workers run at once, across all workers (each worker's own limit is `--concurrency`), or `none`.",
    example: 'SAMOCODE_MAX_SESSIONS=4',
    parse: limit(),
  },
  SAMOCODE_WORKER_RESTARTS: {
    key: 'SAMOCODE_WORKER_RESTARTS',
    aliases: ['WORKER_RESTARTS'],
    doc: "Times a worker restarts a session's orchestrator that died unexpectedly (it resumes from its files) before the job is failed with the reason.",
    example: 'SAMOCODE_WORKER_RESTARTS=2',
    default: 2,
    parse: integer(0),
  },
  SAMOCODE_WORKER_DRAIN: {
    key: 'SAMOCODE_WORKER_DRAIN',
    aliases: ['WORKER_DRAIN'],
    doc: 'Seconds a stopping worker (SIGTERM) lets running sessions finish their iteration before it interrupts them (they stay resumable).',
    example: 'SAMOCODE_WORKER_DRAIN=600',
    default: 600_000,
    parse: seconds(0),
  },
  TELEGRAM_BOT_TOKEN: {
    key: 'TELEGRAM_BOT_TOKEN',
    doc: 'Telegram bot token for notifications (secret: never logged).',
    example: 'TELEGRAM_BOT_TOKEN=123456:ABC…',
    secret: true,
    parse: telegramToken,
  },
  TELEGRAM_API_ROOT: {
    key: 'TELEGRAM_API_ROOT',
    doc: 'Bot API origin, for a self-hosted Bot API server (and the tests). Default: https://api.telegram.org.',
    example: 'TELEGRAM_API_ROOT=http://127.0.0.1:8081',
    parse: url,
  },
  TELEGRAM_CHAT_ID: {
    key: 'TELEGRAM_CHAT_ID',
    doc: 'Telegram chat that receives notifications and may send commands.',
    example: 'TELEGRAM_CHAT_ID=123456789',
    parse: telegramChat,
  },
  SAMOCODE_TELEGRAM_PROGRESS_MINUTES: {
    key: 'SAMOCODE_TELEGRAM_PROGRESS_MINUTES',
    aliases: ['TELEGRAM_PROGRESS_MINUTES'],
    doc: 'Minutes between progress messages to Telegram while an iteration runs (phase, iteration, elapsed, last action, cost so far), sent silently; `off` (the default) sends none. Fractions are allowed (at least 0.02).',
    example: 'SAMOCODE_TELEGRAM_PROGRESS_MINUTES=10',
    default: undefined,
    parse: minutesOrOff(0.02),
  },
  SAMOCODE_LOG_LEVEL: {
    key: 'SAMOCODE_LOG_LEVEL',
    doc: 'pino level for session.log and the console.',
    example: 'SAMOCODE_LOG_LEVEL=debug',
    default: 'info',
    parse: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
  },
  SAMOCODE_LOG_FORMAT: {
    key: 'SAMOCODE_LOG_FORMAT',
    doc: 'Console log format: pretty (readable lines) or json (pino JSON lines on stdout).',
    example: 'SAMOCODE_LOG_FORMAT=json',
    default: 'pretty',
    parse: oneOf(LOG_FORMATS),
  },
} satisfies Record<string, SettingSpec<any>>;

export type SettingKey = keyof typeof SETTINGS;

/** All names a source may use, canonical and alias, mapped to the canonical key. */
export const KNOWN_NAMES: ReadonlyMap<string, SettingKey> = new Map(
  (Object.values(SETTINGS) as SettingSpec[]).flatMap((spec) =>
    [spec.key, ...(spec.aliases ?? [])].map((name) => [name, spec.key as SettingKey] as const),
  ),
);

/** On failure, `parsed` still holds every value that was valid (or defaulted), so the disk can be checked too. */
export type Resolved =
  { ok: true; config: Config } | { ok: false; problems: ConfigProblem[]; parsed: ReadonlyMap<SettingKey, unknown> };

/**
 * Validate the layered values. `layers` maps canonical keys to the winning raw value.
 * `configFile` is the `.samocode` path; `home` expands `~`.
 */
export function resolveSettings(layers: Layers, configFile: string, home: string): Resolved {
  const problems: ConfigProblem[] = [];
  const values = new Map<SettingKey, unknown>();
  for (const spec of Object.values(SETTINGS) as SettingSpec[]) {
    const key = spec.key as SettingKey;
    const raw = layers.get(key);
    if (!raw) {
      if (spec.required) {
        problems.push({
          source: configFile,
          key,
          value: undefined,
          message: 'is required',
          fix: `add a line ${spec.example} to ${configFile}`,
        });
      } else values.set(key, spec.default);
      continue;
    }
    const parsed = spec.parse(raw.value, home, raw.baseDir);
    if (parsed.ok) values.set(key, parsed.value);
    else {
      problems.push({
        source: raw.source,
        key: spec.key,
        value: spec.secret ? '(hidden)' : raw.value,
        message: parsed.message,
        fix: `set it like ${spec.example}`,
      });
    }
  }

  const get = <T>(key: SettingKey) => values.get(key) as T;
  const provider = get<Provider>('SAMOCODE_PROVIDER');
  const token = get<string | undefined>('TELEGRAM_BOT_TOKEN');
  const chatId = get<string | undefined>('TELEGRAM_CHAT_ID');
  if ((token === undefined) !== (chatId === undefined) && problems.every((p) => !p.key.startsWith('TELEGRAM_'))) {
    const missing = token === undefined ? 'TELEGRAM_BOT_TOKEN' : 'TELEGRAM_CHAT_ID';
    problems.push({
      source: layers.get(token === undefined ? 'TELEGRAM_CHAT_ID' : 'TELEGRAM_BOT_TOKEN')!.source,
      key: missing,
      value: undefined,
      message: 'is needed too: Telegram needs both the token and the chat id',
      fix: `set ${missing}, or remove the other TELEGRAM_ setting`,
    });
  }
  const checks = checkSpecs(layers, get<string | undefined>('VERIFY'), get<number>('VERIFY_TIMEOUT'), home, problems);
  if (problems.length > 0) return { ok: false, problems, parsed: values };

  return {
    ok: true,
    config: {
      configFile,
      mainRepo: get('MAIN_REPO'),
      worktrees: get('WORKTREES'),
      sessions: get('SESSIONS'),
      baseBranch: get('BASE_BRANCH'),
      branchPrefix: get('BRANCH_PREFIX'),
      provider,
      claude: {
        path: get('CLAUDE_PATH'),
        model: get('CLAUDE_MODEL'),
        maxTurns: get('CLAUDE_MAX_TURNS'),
        permissionMode: get('CLAUDE_PERMISSION_MODE'),
        args: get<string[] | undefined>('CLAUDE_ARGS') ?? [],
      },
      codex: {
        path: get('CODEX_PATH'),
        model: get('CODEX_MODEL'),
        sandbox: get('CODEX_SANDBOX'),
        args: get<string[] | undefined>('CODEX_ARGS') ?? [],
      },
      scriptPath: get('SAMOCODE_SCRIPT'),
      scriptFormat: get('SAMOCODE_SCRIPT_FORMAT'),
      fallbackProvider: get('SAMOCODE_FALLBACK_PROVIDER'),
      idleTimeoutMs: get<number>('SAMOCODE_IDLE_TIMEOUT') || undefined,
      codexPrice: get('CODEX_PRICE'),
      timeoutMs: get('SAMOCODE_TIMEOUT'),
      maxRetries: get('SAMOCODE_MAX_RETRIES'),
      retryDelayMs: get('SAMOCODE_RETRY_DELAY'),
      rateLimitWaitMs: get('SAMOCODE_RATE_LIMIT_WAIT'),
      killGraceMs: get('SAMOCODE_KILL_GRACE'),
      logMaxBytes: get('SAMOCODE_LOG_MAX_MB'),
      phaseLimits: get('SAMOCODE_PHASE_LIMITS'),
      budget: budgetFrom(get('SAMOCODE_BUDGET_PROFILE'), {
        iterations: get('SAMOCODE_MAX_ITERATIONS'),
        hours: get('SAMOCODE_MAX_HOURS'),
        cost: get('SAMOCODE_MAX_COST'),
        tokens: get('SAMOCODE_MAX_TOKENS'),
      }),
      redisQueue: { name: get('SAMOCODE_QUEUE_NAME'), leaseMs: get('SAMOCODE_QUEUE_LEASE') },
      keepDoneDays: get('SAMOCODE_KEEP_DONE_DAYS'),
      stallLimit: get('SAMOCODE_STALL_LIMIT'),
      delivery: { mode: get('DELIVER'), remote: get('DELIVER_REMOTE'), timeoutMs: get('DELIVER_TIMEOUT') },
      prWatch: {
        pollMs: get('SAMOCODE_PR_POLL'),
        ciFailed: get('SAMOCODE_PR_ON_CI_FAILED'),
        ciRetries: get('SAMOCODE_PR_CI_RETRIES'),
        changesRequested: get('SAMOCODE_PR_ON_CHANGES_REQUESTED'),
        reviewRetries: get('SAMOCODE_PR_REVIEW_RETRIES'),
        approved: get('SAMOCODE_PR_ON_APPROVED'),
      },
      queue: {
        url: get('SAMOCODE_QUEUE'),
        maxSessions: get<number | null | undefined>('SAMOCODE_MAX_SESSIONS') ?? undefined,
        restarts: get('SAMOCODE_WORKER_RESTARTS'),
        drainMs: get('SAMOCODE_WORKER_DRAIN'),
      },
      telegram:
        token && chatId
          ? {
              token,
              chatId,
              apiRoot: get('TELEGRAM_API_ROOT'),
              progressMs: get<number | undefined>('SAMOCODE_TELEGRAM_PROGRESS_MINUTES'),
            }
          : undefined,
      logLevel: get('SAMOCODE_LOG_LEVEL'),
      logFormat: get('SAMOCODE_LOG_FORMAT'),
      verify: {
        checks,
        blockAfter: get('VERIFY_BLOCK_AFTER'),
        allowEmptyDone: get('ALLOW_EMPTY_DONE'),
      },
      gitIdentity: { name: get('SAMOCODE_GIT_NAME'), email: get('SAMOCODE_GIT_EMAIL') },
      // The whole token, and its secret half on its own (it is what matters if a URL or message splits it).
      secrets: [
        ...(token ? [token, token.slice(token.indexOf(':') + 1)] : []),
        ...queuePassword(get('SAMOCODE_QUEUE')),
      ],
    },
  };
}

/** VERIFY first, then each VERIFY_<NAME> by name; a VERIFY_TIMEOUT_<NAME> for a check that does not exist is a slip. */
function checkSpecs(
  layers: Layers,
  verify: string | undefined,
  timeoutMs: number,
  home: string,
  problems: ConfigProblem[],
): CheckSpec[] {
  const commands = new Map<string, string>();
  if (verify !== undefined) commands.set('VERIFY', verify);
  const timeouts = new Map<string, { ms: number }>();
  // Only the check keys are sorted: a sort of the whole environment with localeCompare set up ICU's collation at
  // every start (~12 ms); with one check or none there is nothing to compare.
  const checkKeys = [...layers].filter(([key]) => isCheckKey(key));
  for (const [key, raw] of checkKeys.sort(([a], [b]) => a.localeCompare(b))) {
    const timeout = CHECK_TIMEOUT.exec(key);
    if (timeout) {
      const parsed = seconds(0.1)(raw.value, home, raw.baseDir);
      if (parsed.ok) timeouts.set(`VERIFY_${timeout[1]}`, { ms: parsed.value });
      else
        problems.push({
          source: raw.source,
          key,
          value: raw.value,
          message: parsed.message,
          fix: `set it like ${key}=900`,
        });
      continue;
    }
    const parsed = commandLine(raw.value, home, raw.baseDir);
    if (!parsed.ok)
      problems.push({
        source: raw.source,
        key,
        value: raw.value,
        message: parsed.message,
        fix: `set it like ${key}=npm run lint`,
      });
    else if (parsed.value !== undefined) commands.set(key, parsed.value);
  }
  for (const key of timeouts.keys()) {
    if (commands.has(key) || layers.has(key)) continue;
    problems.push({
      source: layers.get(`VERIFY_TIMEOUT_${key.slice(7)}`)!.source,
      key: `VERIFY_TIMEOUT_${key.slice(7)}`,
      value: undefined,
      message: `is the time limit of check ${key}, which is not set`,
      fix: `set ${key}=<command>, or remove VERIFY_TIMEOUT_${key.slice(7)}`,
    });
  }
  return [...commands].map(([key, command]) => ({
    name: checkName(key),
    command,
    timeoutMs: timeouts.get(key)?.ms ?? timeoutMs,
  }));
}

/** The password of a Redis URL (`redis://user:pass@host`) must not be logged either. */
function queuePassword(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password.length >= 4 ? [password] : [];
  } catch {
    return [];
  }
}

/** The profile's limits, each overridden by its own setting when given (`null` = none). */
function budgetFrom(profile: BudgetProfile, overrides: Record<keyof Budget, number | null | undefined>): Budget {
  const base = BUDGET_PROFILES[profile];
  const pick = (kind: keyof Budget) => {
    const value = overrides[kind];
    return value === undefined ? base[kind] : value === null ? undefined : value;
  };
  return { iterations: pick('iterations'), hours: pick('hours'), cost: pick('cost'), tokens: pick('tokens') };
}

/** `~` → home; relative → against the folder of the file that set it (or the cwd for env and flags). */
export function resolvePath(value: string, home: string, baseDir: string): string {
  let expanded = value;
  if (value === '~') expanded = home;
  else if (value.startsWith('~/')) expanded = home + value.slice(1);
  return resolve(baseDir, expanded);
}
