// Why did one spawn of the agent fail, and what should the loop do about it? Pure: the facts of a finished run in
// (exit, stderr tail, the stream summary), a named class with a detail and, for what only a person can fix, the fix.
// Facts behind the rules: the recorded streams and stderr of the real CLIs in tests/fixtures/streams (README.md there).
import type { ChildOutcome } from './child-outcome.js';
import { PROVIDER_FACTS, type Provider } from './provider-facts.js';
import type { StreamSummary } from './stream-summary.js';
import { oneLine } from './text.js';

export type FailureClass =
  | 'rate_limited'
  | 'overloaded'
  | 'server_error'
  | 'connection'
  | 'auth'
  | 'cli_missing'
  | 'args_too_long'
  | 'cli_usage'
  | 'root_refused'
  | 'permission_denied'
  | 'max_turns'
  | 'timeout'
  | 'idle'
  | 'crashed';

/** The run as io/run-process.ts reported it, and what else the classifier reads. */
export interface FailureInput extends Omit<ChildOutcome, 'cancelled' | 'durationMs'> {
  provider: Provider;
  stderrTail: string;
  summary: StreamSummary;
  /** A signal file exists after the run. */
  signalWritten: boolean;
  /** Epoch ms, to turn a reset time into a wait. */
  now: number;
  /** IS_SANDBOX as the agent got it (undefined: not set): what Claude's root check reads, named in root_refused's fix. */
  isSandbox?: string | undefined;
}

export interface Classified {
  cls: FailureClass;
  /** What happened, for the history and the person: one or two sentences, quoting the CLI. */
  detail: string;
  /** What a person must do, for the classes the loop cannot get past by itself. */
  fix?: string | undefined;
  /** When the stream or text says when to come back (rate limits); the caller caps it. */
  retryAfterMs?: number | undefined;
}

export interface FailurePolicy {
  /** wait: sleep until the limit resets (retryAfterMs or a default); backoff: retry with exponential delay;
   *  block: stop and ask the person; continue: not a failed spawn, judge the signal (or go on with a note). */
  action: 'wait' | 'backoff' | 'block' | 'continue';
  /** Counts against SAMOCODE_MAX_RETRIES. */
  countsAsFailedAttempt: boolean;
  /** Another provider/model might get past it: the provider is unusable, not the task. */
  fallbackWorthy: boolean;
  label: string;
}

export const FAILURE_POLICY: Record<FailureClass, FailurePolicy> = {
  rate_limited: { action: 'wait', countsAsFailedAttempt: false, fallbackWorthy: true, label: 'rate limited' },
  overloaded: { action: 'backoff', countsAsFailedAttempt: true, fallbackWorthy: true, label: 'API overloaded' },
  server_error: { action: 'backoff', countsAsFailedAttempt: true, fallbackWorthy: true, label: 'API server error' },
  connection: { action: 'backoff', countsAsFailedAttempt: true, fallbackWorthy: true, label: 'cannot reach the API' },
  auth: { action: 'block', countsAsFailedAttempt: true, fallbackWorthy: true, label: 'authentication failed' },
  cli_missing: { action: 'block', countsAsFailedAttempt: true, fallbackWorthy: true, label: 'agent CLI not found' },
  // The command line or the environment is too big for the system (E2BIG): the settings, not the provider.
  args_too_long: {
    action: 'block',
    countsAsFailedAttempt: true,
    fallbackWorthy: false,
    label: 'agent command line too long',
  },
  cli_usage: {
    action: 'block',
    countsAsFailedAttempt: true,
    fallbackWorthy: true,
    label: 'agent CLI rejected its arguments',
  },
  root_refused: {
    action: 'block',
    countsAsFailedAttempt: true,
    fallbackWorthy: true,
    label: 'agent CLI refused to run as root',
  },
  permission_denied: {
    action: 'block',
    countsAsFailedAttempt: true,
    fallbackWorthy: false,
    label: 'permission denied',
  },
  max_turns: { action: 'continue', countsAsFailedAttempt: false, fallbackWorthy: false, label: 'turn limit reached' },
  timeout: { action: 'backoff', countsAsFailedAttempt: true, fallbackWorthy: false, label: 'timed out' },
  idle: { action: 'backoff', countsAsFailedAttempt: true, fallbackWorthy: false, label: 'no output (idle)' },
  crashed: { action: 'backoff', countsAsFailedAttempt: true, fallbackWorthy: false, label: 'crashed' },
};

const ROOT_REFUSAL = /cannot be used with root\/sudo privileges/i;
/** clap (codex) and commander (claude) usage errors. */
const USAGE_ERROR =
  /error: (?:unexpected argument|unknown option|unrecognized (?:option|argument|subcommand)|invalid value|missing required argument|too many arguments|option '[^']*' argument missing)/i;

/** Undefined when the run is not a failure: exit 0, no error result, no permission problem left unsolved. */
const UNREACHABLE =
  /waiting for network|Reconnecting\.\.\.|Unable to connect|ConnectionRefused|ECONNREFUSED|connection refused/i;

export function classifyFailure(input: FailureInput): Classified | undefined {
  const cli = cliName(input.provider);
  const stderr = input.stderrTail;

  if (input.spawnError !== undefined) return spawnFailure(input.provider, input.spawnError);
  if (ROOT_REFUSAL.test(stderr)) {
    return {
      cls: 'root_refused',
      detail: `${cli} refused to run as root: ${quote(lastLineMatching(stderr, ROOT_REFUSAL))}`,
      fix:
        `Claude Code skips its root check only with IS_SANDBOX=1 (or CLAUDE_CODE_BUBBLEWRAP set); the agent ran with ` +
        `IS_SANDBOX=${input.isSandbox === undefined ? '(not set)' : JSON.stringify(input.isSandbox)}. samocode sets IS_SANDBOX=1 for Claude ` +
        'when it runs as root; if a wrapper (CLAUDE_PATH) changes it, keep IS_SANDBOX=1, or set CLAUDE_PERMISSION_MODE=acceptEdits, or run samocode as a non-root user',
    };
  }
  const usage = usageFailure(input.provider, stderr, input.exitCode);
  if (usage) return usage;

  const s = input.summary;
  const retrying =
    s.retryCount > 0 ? `; the CLI was retrying the API (${s.retryCount}×, last: ${describeRetry(s)})` : '';
  // Killed while trying to reach the API (Codex 0.169 retries "waiting for network" for ever, even with retries at 0):
  // the cause is the connection, not the agent's work, which matters for the fallback and for the message.
  if ((input.timedOut || input.idle) && UNREACHABLE.test(`${stderr}\n${s.errors.join('\n')}`)) {
    return {
      cls: 'connection',
      detail: `${cli} could not reach the API and was killed by samocode: ${quote(lastLineMatching(`${stderr}\n${s.errors.join('\n')}`, UNREACHABLE))}`,
      fix: 'check the network and the API base URL, or wait and run again',
    };
  }
  if (input.timedOut) return { cls: 'timeout', detail: `${cli} ran past the time limit and was killed${retrying}` };
  if (input.idle) return { cls: 'idle', detail: `${cli} printed nothing for too long and was killed${retrying}` };

  if (PROVIDER_FACTS[input.provider].stream !== undefined) {
    const fromStream = streamFailure(input);
    if (fromStream) return fromStream;
  }
  if (input.killSignal) return { cls: 'crashed', detail: `${cli} was killed by ${input.killSignal}${tail(stderr)}` };
  if (s.permissionDenials.length > 0 && !input.signalWritten) return permissionDenied(input.provider, s);
  if (input.exitCode === 127 || input.exitCode === 126) {
    return spawnFailure(
      input.provider,
      `exit ${input.exitCode}${tail(stderr)}`,
      input.exitCode === 126 ? 'EACCES' : 'ENOENT',
    );
  }
  if (input.exitCode !== 0) {
    // No stream verdict: stderr may still name the cause (a wrapper script, an old CLI version).
    const hinted =
      PROVIDER_FACTS[input.provider].cli === undefined
        ? undefined
        : apiFailure(input.provider, httpStatus(stderr), stderr, input.now, '');
    if (hinted && hinted.cls !== 'crashed') return hinted;
    const how = input.exitCode === null ? 'ended without an exit code' : `exited with code ${input.exitCode}`;
    return { cls: 'crashed', detail: `${cli} ${how}${lastWords(s)}${tail(stderr)}` };
  }
  return undefined;
}

function streamFailure(input: FailureInput): Classified | undefined {
  const s = input.summary;
  const cli = cliName(input.provider);
  if (s.subtype === 'error_max_turns' || s.terminalReason === 'max_turns') {
    const why =
      s.errors.at(-1) ?? `reached the maximum number of turns${s.turns !== undefined ? ` (${s.turns} turns)` : ''}`;
    return {
      cls: 'max_turns',
      detail: `${cli} stopped: ${why}`,
      fix: PROVIDER_FACTS[input.provider].maxTurnsFix,
    };
  }
  if (s.sawResult && s.isError) {
    // Claude: an API error comes as subtype "success" with is_error; the status is null when the API was never reached.
    const text = s.resultText ?? s.errors.at(-1) ?? s.subtype ?? 'error result';
    const status = s.apiErrorStatus ?? s.retries.at(-1)?.status ?? httpStatus(text);
    return apiFailure(input.provider, status, text, input.now, retriedNote(s));
  }
  // Codex: turn.failed (or, on a non-zero exit, its last error event); Claude without a result line: its API error message.
  const lastError = s.turnFailed ?? (input.exitCode !== 0 ? s.errors.at(-1) : undefined);
  if (lastError !== undefined) {
    const status = httpStatus(lastError) ?? s.retries.at(-1)?.status;
    return apiFailure(input.provider, status, lastError, input.now, retriedNote(s));
  }
  return undefined;
}

/** An API-side failure named by its HTTP status when known, else by the words of the message. */
function apiFailure(
  provider: Provider,
  status: number | null | undefined,
  text: string,
  now: number,
  note: string,
): Classified {
  const detail = `${cliName(provider)}: ${quote(text)}${note}`;
  const cls = classOfStatus(status) ?? classOfText(text);
  switch (cls) {
    case 'rate_limited':
      return { cls, detail, retryAfterMs: retryAfterMs(text, now) };
    case 'auth':
      return { cls, detail, fix: PROVIDER_FACTS[provider].authFix };
    case 'connection':
      return { cls, detail, fix: PROVIDER_FACTS[provider].connectionFix };
    default:
      return { cls, detail };
  }
}

function classOfStatus(status: number | null | undefined): FailureClass | undefined {
  if (status === 429) return 'rate_limited';
  if (status === 529) return 'overloaded';
  if (status === 401 || status === 403) return 'auth';
  if (typeof status === 'number' && status >= 500) return 'server_error';
  return undefined;
}

function classOfText(text: string): FailureClass {
  if (/\b429\b|rate.?limit|usage limit|too many requests|hit your (?:usage )?limit|limit reached/i.test(text))
    return 'rate_limited';
  if (/overloaded/i.test(text)) return 'overloaded';
  if (
    /unauthori[sz]ed|forbidden|invalid api key|incorrect api key|authentication|oauth token|not logged in|\/login\b/i.test(
      text,
    )
  )
    return 'auth';
  // Codex words every 5xx as "high demand" (the recorded 500s).
  if (/high demand|internal server error|server.error|bad gateway|service unavailable|gateway time-?out/i.test(text))
    return 'server_error';
  if (
    /unable to connect|connection ?refused|econnrefused|econnreset|connection (?:reset|closed)|stream disconnected|socket hang up|fetch failed|enotfound|getaddrinfo|etimedout|error sending request|network/i.test(
      text,
    )
  ) {
    return 'connection';
  }
  return 'crashed';
}

function spawnFailure(
  provider: Provider,
  error: string,
  code = /EACCES|EPERM/.test(error) ? 'EACCES' : 'ENOENT',
): Classified {
  if (/^E2BIG\b/.test(error)) {
    const argsKey = PROVIDER_FACTS[provider].cli?.argsSetting;
    const variable = /environment variable (\S+)/.exec(error)?.[1];
    const what = [
      /argument \d+/.test(error) && argsKey,
      variable ? `the environment variable ${variable}` : undefined,
    ].filter(Boolean);
    return {
      cls: 'args_too_long',
      detail: `${cliName(provider)} could not be started: the system refused its command line and environment as too long (${error})`,
      fix: `shorten ${what.length ? what.join(' and ') : `${argsKey ? `${argsKey} or ` : ''}the environment samocode runs in`} (the prompt itself goes on stdin and is not limited)`,
    };
  }
  const cli = PROVIDER_FACTS[provider].cli;
  if (cli === undefined) {
    return {
      cls: 'cli_missing',
      detail: `the scripted agent could not be started: ${error}`,
      fix: 'rebuild samocode (npm run build) so dist/script-agent.js exists',
    };
  }
  const { binarySetting: key, npmPackage: pkg } = cli;
  if (code === 'EACCES') {
    return {
      cls: 'cli_missing',
      detail: `${provider} is not executable: ${error}`,
      fix: `make ${key} point at an executable ${provider} binary (chmod +x it), or reinstall ${pkg}`,
    };
  }
  return {
    cls: 'cli_missing',
    detail: `${provider} was not found: ${error}`,
    fix: `install ${pkg} (npm install -g ${pkg}) or set ${key} to the ${provider} binary's full path`,
  };
}

function usageFailure(provider: Provider, stderr: string, exitCode: number | null): Classified | undefined {
  const argsKey = PROVIDER_FACTS[provider].cli?.argsSetting;
  if (argsKey === undefined) return undefined;
  const matched = USAGE_ERROR.test(stderr);
  if (!matched && !(exitCode === 2 && /\bUsage:/.test(stderr))) return undefined;
  const flag =
    /invalid value '[^']*' for '(-[^' <]+)/.exec(stderr)?.[1] ??
    /(?:unexpected argument|unknown option|unrecognized option) '([^']+)'/i.exec(stderr)?.[1];
  const line = matched ? lastLineMatching(stderr, USAGE_ERROR) : (stderr.trim().split('\n')[0] ?? '');
  return {
    cls: 'cli_usage',
    detail: `${provider} rejected its command line (exit ${exitCode ?? 'none'}): ${quote(line)}`,
    fix: flag
      ? `the installed ${provider} does not accept ${flag}; upgrade/downgrade ${provider} or remove it from ${argsKey}`
      : `the installed ${provider} does not accept samocode's arguments; check \`${provider} --version\` and \`${provider} --help\`, upgrade/downgrade it or fix ${argsKey}`,
  };
}

function permissionDenied(provider: Provider, s: StreamSummary): Classified {
  const named = s.permissionDenials.slice(0, 3).map((d) => {
    const verb = /^(?:Write|Edit|MultiEdit|NotebookEdit)$/.test(d.tool)
      ? 'write'
      : d.tool === 'Bash'
        ? 'run'
        : d.tool === 'Read'
          ? 'read'
          : 'use';
    return d.target ? `${verb} ${d.target} (${d.tool})` : `use ${d.tool}`;
  });
  const more = s.permissionDenials.length > 3 ? ` and ${s.permissionDenials.length - 3} more` : '';
  return {
    cls: 'permission_denied',
    detail: `the agent was not allowed to ${named.join(', ')}${more}, and wrote no signal`,
    fix: PROVIDER_FACTS[provider].permissionFix,
  };
}

/** How long until the limit resets, when the text says: an epoch after "|" (Claude), an ISO time, a duration, retry-after. */
export function retryAfterMs(text: string, now: number): number | undefined {
  const epoch =
    /\|\s*(\d{13}|\d{10})\b/.exec(text)?.[1] ??
    /\breset(?:s|_at)?\s*(?:at)?\s*[:=]?\s*(\d{13}|\d{10})\b/i.exec(text)?.[1];
  if (epoch) return Math.max(0, (epoch.length === 10 ? Number(epoch) * 1000 : Number(epoch)) - now);
  const iso = /\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/.exec(text)?.[1];
  if (iso) {
    const at = Date.parse(iso);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const span = /(?:try again|retry|resets?)\s+(?:in|after)\s+((?:\d+(?:\.\d+)?\s*[a-z]+[\s,]*(?:and\s+)?)+)/i.exec(
    text,
  )?.[1];
  const spanMs = span === undefined ? undefined : durationMs(span);
  if (spanMs !== undefined) return spanMs;
  const seconds = /retry-after:?\s*(\d+(?:\.\d+)?)/i.exec(text)?.[1];
  return seconds === undefined ? undefined : Math.round(Number(seconds) * 1000);
}

const UNIT_MS: [RegExp, number][] = [
  [/^(?:ms|msecs?|milliseconds?)$/, 1],
  [/^(?:s|secs?|seconds?)$/, 1000],
  [/^(?:m|mins?|minutes?)$/, 60_000],
  [/^(?:h|hrs?|hours?)$/, 3_600_000],
  [/^(?:d|days?)$/, 86_400_000],
];

function durationMs(span: string): number | undefined {
  let total = 0;
  let found = false;
  for (const m of span.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/gi)) {
    const unit = UNIT_MS.find(([re]) => re.test((m[2] ?? '').toLowerCase()));
    if (!unit) continue;
    total += Number(m[1]) * unit[1];
    found = true;
  }
  return found ? Math.round(total) : undefined;
}

/** The HTTP status an error text names: "401 Unauthorized", "last status: 429 Too Many Requests", "API Error: 500 Internal". */
function httpStatus(text: string): number | undefined {
  const m = /\b([1-5]\d\d) [A-Z][a-z]/.exec(text) ?? /\((\d{3})\)/.exec(text);
  return m?.[1] ? Number(m[1]) : undefined;
}

function describeRetry(s: StreamSummary): string {
  const last = s.retries.at(-1);
  return [last?.status, last?.error].filter((x) => x !== undefined && x !== '').join(' ') || 'unknown error';
}

function retriedNote(s: StreamSummary): string {
  return s.retryCount > 0 ? ` (after ${s.retryCount} retr${s.retryCount === 1 ? 'y' : 'ies'} by the CLI)` : '';
}

function lastWords(s: StreamSummary): string {
  const last = s.turnFailed ?? s.errors.at(-1);
  return last ? `: ${quote(last)}` : '';
}

function tail(stderr: string): string {
  const t = stderr.trim();
  return t ? `; stderr: ${quote(t.slice(-300))}` : '';
}

function lastLineMatching(text: string, re: RegExp): string {
  return (
    text
      .split('\n')
      .filter((l) => re.test(l))
      .at(-1)
      ?.trim() ?? text.trim()
  );
}

function quote(text: string): string {
  return oneLine(text, 300);
}

function cliName(provider: Provider): string {
  return PROVIDER_FACTS[provider].label;
}
