// The agent CLIs' streams: parse a line (per provider), fold the events into a summary.
export * from './events.js';
export { parseClaudeLine, toolDetail } from './claude.js';
export { parseCodexLine, unwrapShell, httpStatusIn } from './codex.js';
import type { StreamFormat } from '../../core/provider-facts.js';
import { parseClaudeLine } from './claude.js';
import { parseCodexLine } from './codex.js';
import type { AgentEvent } from './events.js';

/** One parser per stream format: a new agent CLI adds its own here. */
export const STREAM_PARSERS: Record<StreamFormat, (line: string) => AgentEvent[]> = {
  claude: parseClaudeLine,
  codex: parseCodexLine,
};

export { StreamAccumulator, costOf, MAX_LIST, MAX_TEXT, type TokenPrice } from './summary.js';
