// `_overview.md`'s front matter data → SessionState without zod, for data the schema in overview.ts takes as it is.
// Why: a resumed start validates that data once before its first spawn, and building the schema alone cost ~1.5 ms
// of that way (zod's first instances of each kind). The same rules as the schema, field by field and in its key
// order (the state is written back in that order); anything else (a wrong type, a date object, a key with nothing in
// it) gives `undefined` and zod decides, with its messages. tests/unit/overview-plain.test.ts holds every answer
// against zod's on generated and mutated data. Pure.
import { DELIVER_MODES } from './delivery.js';
import { GATE_REFUSALS } from './gates.js';
import { PHASES } from './phases.js';
import { ZERO_TOTALS, type SessionState } from './state.js';

/** A field's value as the schema gives it, or NO: the field is not in a shape taken here. */
type Reader = (value: unknown) => unknown;
const NO = Symbol('no');

/** `key: reader` in the schema's order; `optional`: may be missing (missing stays missing); `fallback`: its default. */
interface Field {
  key: string;
  read: Reader;
  optional?: boolean;
  fallback?: () => unknown;
}

const text: Reader = (v) => (typeof v === 'string' ? v : NO);
const nonEmpty: Reader = (v) => (typeof v === 'string' && v.length > 0 ? v : NO);
/** `optionalText`: a string, or null read as nothing. */
const optionalText: Reader = (v) => (v === null ? undefined : text(v));
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const count: Reader = (v) => (finite(v) && Number.isSafeInteger(v) && v >= 0 ? v : NO);
const int: Reader = (v) => (finite(v) && Number.isSafeInteger(v) ? v : NO);
const nonNegative: Reader = (v) => (finite(v) && v >= 0 ? v : NO);
const boolean: Reader = (v) => (typeof v === 'boolean' ? v : NO);
const oneOf =
  (values: readonly string[]): Reader =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? v : NO;
const listOf =
  (item: Reader): Reader =>
  (v) => {
    if (!Array.isArray(v)) return NO;
    const out: unknown[] = [];
    for (const x of v) {
      const read = item(x);
      if (read === NO) return NO;
      out.push(read);
    }
    return out;
  };
const cycle: Reader = (v) => (finite(v) && Number.isSafeInteger(v) && v >= 1 ? v : NO);
/** `isoTime` takes a Date too (js-yaml's timestamps): left to zod. */
const isoTime: Reader = nonEmpty;

/** Each object's keys, by name: the test holds them against the schema's, so a field added there is added here. */
export const PLAIN_KEYS: Record<string, readonly string[]> = {};

const objectOf = (name: string, fields: readonly Field[]): Reader => {
  PLAIN_KEYS[name] = fields.map((field) => field.key);
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return NO;
    const data = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      if (!Object.hasOwn(data, field.key)) {
        if (field.fallback) out[field.key] = field.fallback();
        else if (!field.optional) return NO;
        continue;
      }
      // Every reader refuses undefined (a key with no value, which YAML never gives): zod judges that.
      const read = field.read(data[field.key]);
      if (read === NO) return NO;
      out[field.key] = read;
    }
    return out;
  };
};

const checkRun = objectOf('checkRun', [
  { key: 'name', read: text },
  { key: 'command', read: text },
  { key: 'exitCode', read: (v) => (v === null ? null : int(v)) },
  { key: 'timedOut', read: boolean },
  { key: 'durationMs', read: nonNegative },
  { key: 'log', read: text },
  { key: 'cls', read: optionalText, optional: true },
  { key: 'hint', read: optionalText, optional: true },
  { key: 'excerpt', read: optionalText, optional: true },
]);

const gateFailure = objectOf('gateFailure', [
  { key: 'kind', read: oneOf(GATE_REFUSALS) },
  { key: 'key', read: text },
  { key: 'count', read: count },
  { key: 'message', read: text },
  { key: 'check', read: checkRun, optional: true },
  { key: 'iteration', read: count },
]);

const totals = objectOf('totals', [
  { key: 'costUsd', read: nonNegative, fallback: () => 0 },
  { key: 'inputTokens', read: count, fallback: () => 0 },
  { key: 'outputTokens', read: count, fallback: () => 0 },
  { key: 'cacheReadTokens', read: count, fallback: () => 0 },
  { key: 'cacheWriteTokens', read: count, fallback: () => 0 },
  { key: 'agentMs', read: nonNegative, fallback: () => 0 },
  { key: 'activeMs', read: nonNegative, fallback: () => 0 },
  { key: 'costEstimated', read: boolean, optional: true },
]);

const delivery = objectOf('delivery', [
  { key: 'dir', read: nonEmpty },
  { key: 'mode', read: oneOf(DELIVER_MODES) },
  { key: 'time', read: isoTime },
  { key: 'commits', read: count },
  { key: 'diffstat', read: optionalText, optional: true },
  { key: 'patches', read: count },
  { key: 'pushed', read: optionalText, optional: true },
  { key: 'prUrl', read: optionalText, optional: true },
  { key: 'problems', read: count },
]);

const optional = (key: string, read: Reader): Field => ({ key, read, optional: true });

const frontMatter = objectOf('frontMatter', [
  { key: 'session', read: nonEmpty },
  { key: 'name', read: nonEmpty },
  { key: 'task', read: text },
  optional('dive', optionalText),
  { key: 'phase', read: oneOf(PHASES) },
  { key: 'status', read: oneOf(['running', 'waiting', 'blocked', 'done']) },
  { key: 'phaseIterations', read: count },
  { key: 'iterations', read: count },
  { key: 'historySeq', read: count, fallback: () => 0 },
  { key: 'gatesPassed', read: listOf(oneOf(PHASES)), fallback: () => [] },
  optional('waitingFor', optionalText),
  optional('waitingFile', optionalText),
  optional('waitQuestions', count),
  optional('needs', optionalText),
  optional('blockedReason', optionalText),
  optional('blockedKind', optionalText),
  optional('lastSummary', optionalText),
  optional('approvedPlan', optionalText),
  optional('planFeedback', optionalText),
  optional('reviewFeedback', optionalText),
  optional('reviewFindings', count),
  optional('budgetWarned', listOf(oneOf(['iterations', 'hours', 'cost', 'tokens']))),
  optional('stallCount', count),
  optional('carryNote', optionalText),
  optional('gateFailure', gateFailure),
  optional('verifiedTree', optionalText),
  optional('instruction', optionalText),
  optional('cycle', cycle),
  { key: 'startedAt', read: isoTime },
  { key: 'updatedAt', read: isoTime },
  { key: 'workingDir', read: nonEmpty },
  optional('branch', optionalText),
  optional('baseBranch', optionalText),
  { key: 'standalone', read: boolean, fallback: () => false },
  { key: 'totals', read: totals, fallback: () => ({ ...ZERO_TOTALS }) },
  optional('delivery', delivery),
]);

/** The state, or undefined: zod decides (and names what is wrong). */
export function plainState(data: unknown): SessionState | undefined {
  const read = frontMatter(data);
  return read === NO ? undefined : (read as SessionState);
}
