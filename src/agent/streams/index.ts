// The agent CLIs' streams: parse a line (per provider), fold the events into a summary.
export * from './events.js';
export { parseClaudeLine, toolDetail } from './claude.js';
export { parseCodexLine, unwrapShell, httpStatusIn } from './codex.js';
export { StreamAccumulator, costOf, MAX_LIST, MAX_TEXT, type TokenPrice } from './summary.js';
