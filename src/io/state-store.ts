// `_overview.md` on disk. The body is re-read before every write so the agent's latest edits are kept byte for byte;
// the write is atomic (temp file + rename), so a crash leaves the old or the new file, never half of one.
// Synchronous on purpose: the loop has nothing to do meanwhile, and a few small sync calls cost a fraction of the
// thread-pool round trips of their async twins (this is on every iteration's path).
import type { OverviewRead } from '../core/overview.js';
import { overviewBody } from '../core/overview-body.js';
import { quickOverview } from '../core/overview-quick.js';
import type { Scrub } from '../core/secrets.js';
import type { SessionState } from '../core/state.js';
import { writeFileAtomicSync } from './atomic-write.js';
import { readIfExists } from './read-if-exists.js';
import { guardWrite } from './storage-failure.js';

/** What one read of `_overview.md` gave, and from which file and text. */
export interface OverviewReadAt {
  file: string;
  text: string;
  read: OverviewRead;
}

/** gray-matter's YAML writer (core/overview-format.ts), loaded once: by the first write, or ahead (prepareWriter). */
let writer: Promise<typeof import('../core/overview-format.js')> | undefined;
const stateWriter = () =>
  (writer ??= import('../core/overview-format.js').catch((error: unknown) => {
    writer = undefined; // the next write tries again, and says what fails
    throw error;
  }));

export class StateStore {
  constructor(
    readonly file: string,
    /** Applied to every text field of the front matter (the agent's body is its own and kept as it is). */
    private readonly scrub: Scrub = (t) => t,
  ) {}

  async read(earlier?: OverviewReadAt): Promise<OverviewRead | undefined> {
    return (await this.readAt(earlier))?.read;
  }

  /**
   * The file read and parsed, with the text it was parsed from. Given an `earlier` read of this file with the very
   * same text, its result is taken rather than parsed again: a start reads `_overview.md` before it takes the session
   * lock and again under it, and a first YAML parse and validation costs a few ms.
   */
  async readAt(earlier?: OverviewReadAt): Promise<OverviewReadAt | undefined> {
    const text = readIfExists(this.file);
    if (text === undefined) return undefined;
    if (earlier?.file === this.file && earlier.text === text) return earlier;
    const quick = quickOverview(text);
    if (quick) return { file: this.file, text, read: quick };
    const { parseOverview } = await import('../core/overview.js');
    return { file: this.file, text, read: parseOverview(text, this.file) };
  }

  /**
   * The writer loaded ahead of a first write, on the event loop's next turn: a new session's start calls this right
   * before `git worktree add`, so that the loading (~1–2 ms of gray-matter's and js-yaml's code) happens while git
   * works and this process only waits. Never rejects: the write itself would then load it and say what fails.
   */
  static prepareWriter(): void {
    setImmediate(() => {
      stateWriter()
        .then((format) => format.warmWriter())
        .catch(() => undefined);
    });
  }

  /** Write `state` as the front matter; keep the current body (or `initialBody` when the file has none yet). */
  async write(state: SessionState, initialBody = ''): Promise<void> {
    const current = readIfExists(this.file);
    const body = current === undefined ? initialBody : overviewBody(current);
    // No fsync: temp + rename already survives a killed process; fsync would only add power-loss durability, which
    // the append-only history next to it does not have either (see TECH_DEBT.md), at ~0.5 ms per iteration here.
    // gray-matter's YAML writer, loaded with the first write: a resumed start makes that after its first spawn.
    const { renderOverview } = await stateWriter();
    const text = renderOverview(scrubText(state, this.scrub), body);
    // A failed write leaves the old file (the temp file is removed), so the history entry just appended is applied
    // again at the next start.
    guardWrite(
      {
        file: this.file,
        what: `writing the session state (up to history entry ${state.historySeq})`,
        bytes: Buffer.byteLength(text),
      },
      () => writeFileAtomicSync(this.file, text),
    );
  }
}

/** The free-text fields only: names, paths and the branch must stay exactly as they are for the next run. */
function scrubText(state: SessionState, scrub: Scrub): SessionState {
  const text = (value: string | undefined) => (value === undefined ? undefined : scrub(value));
  return {
    ...state,
    task: scrub(state.task),
    dive: text(state.dive),
    needs: text(state.needs),
    blockedReason: text(state.blockedReason),
    lastSummary: text(state.lastSummary),
    planFeedback: text(state.planFeedback),
    reviewFeedback: text(state.reviewFeedback),
    instruction: text(state.instruction),
    waitingFor: text(state.waitingFor),
  };
}
