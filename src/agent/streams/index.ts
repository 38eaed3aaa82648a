// The agent CLIs' streams: parse a line (per provider), fold the events into a summary.
export * from './events.js';
export { claudeParser, parseClaudeLine, toolDetail } from './claude.js';
export { parseCodexLine, unwrapShell, httpStatusIn } from './codex.js';
import type { StreamFormat } from '../../core/provider-facts.js';
import { claudeParser } from './claude.js';
import { parseCodexLine } from './codex.js';
import type { AgentEvent } from './events.js';

/**
 * One parser per stream format, made fresh for each run (a parser may remember what it saw earlier in the run, e.g.
 * Claude's tool calls, to name the call a failed result answers): a new agent CLI adds its own here.
 */
export const STREAM_PARSERS: Record<StreamFormat, () => (line: string) => AgentEvent[]> = {
  claude: claudeParser,
  codex: () => parseCodexLine,
};

export { StreamAccumulator, costOf, MAX_LIST, MAX_TEXT, type TokenPrice } from './summary.js';
