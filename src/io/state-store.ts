// `_overview.md` on disk. The body is re-read before every write so the agent's latest edits are kept byte for byte;
// the write is atomic (temp file + rename), so a crash leaves the old or the new file, never half of one.
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { overviewBody, parseOverview, renderOverview, type OverviewRead } from '../core/overview.js';
import type { SessionState } from '../core/state.js';

export class StateStore {
  constructor(readonly file: string) {}

  async read(): Promise<OverviewRead | undefined> {
    const text = await readText(this.file);
    return text === undefined ? undefined : parseOverview(text, this.file);
  }

  /** Write `state` as the front matter; keep the current body (or `initialBody` when the file has none yet). */
  async write(state: SessionState, initialBody = ''): Promise<void> {
    const text = await readText(this.file);
    const body = text === undefined ? initialBody : overviewBody(text);
    await writeFileAtomic(this.file, renderOverview(state, body));
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
