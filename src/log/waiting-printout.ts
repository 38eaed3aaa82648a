// When a session starts to wait, the terminal shows what it waits for (core/waiting-text.ts): the questions, the
// plan's summary or the review's findings, the file to edit and the dashboard's address when `orchestrate serve` runs.
// The file is the agent's: it is cleaned of control characters and secrets (values and shapes, then secretlint)
// before a line of it reaches the terminal.
import { withoutControls } from '../core/agent-text.js';
import { scanSecrets } from '../core/secret-scan.js';
import type { SessionState } from '../core/state.js';
import { fileToEdit, waitingLines } from '../core/waiting-text.js';
import { readIfExists } from '../io/read-if-exists.js';
import { readServeRecord } from '../io/serve-record.js';
import type { Notifier } from '../loop/ports.js';

export interface WaitingPrintoutDeps {
  sessionDir: string;
  /** SESSIONS, where `orchestrate serve` leaves its record. */
  sessionsDir: string;
  scrub: (text: string) => string;
  print: (text: string) => void;
}

/** The head of the file that is read: the printout shows its first questions, lines and findings only. */
const MAX_READ = 256 * 1024;

/** `text`: the waited-on file as it was when the wait began (read then: an answer may come before this prints). */
export async function printWaiting(
  state: SessionState,
  text: string | undefined,
  deps: WaitingPrintoutDeps,
): Promise<void> {
  const fileText = text === undefined ? undefined : await scanSecrets(deps.scrub(withoutControls(text)));
  const lines = waitingLines({
    state,
    sessionDir: deps.sessionDir,
    fileText,
    dashboardUrl: readServeRecord(deps.sessionsDir)?.url,
  });
  deps.print(`${deps.scrub(lines.join('\n'))}\n`);
}

/** A file that is missing or not a regular file is named by the lines as missing; the gate reports it in its words. */
function readQuietly(file: string): string | undefined {
  try {
    return readIfExists(file);
  } catch {
    return undefined;
  }
}

export interface WaitingPrinter {
  /** Prints when the loop says the session waits. */
  notifier: Notifier;
  /** Prints now (a run that starts on a session already waiting for answers not yet given). */
  show(state: SessionState): Promise<void>;
  /** Resolves once what was asked to be printed is printed. */
  settled(): Promise<void>;
}

/** One printout after another, in order; a printout that fails (an unreadable file) is left out, never thrown. */
export function waitingPrinter(deps: WaitingPrintoutDeps): WaitingPrinter {
  let chain: Promise<void> = Promise.resolve();
  const show = (state: SessionState) => {
    const text = readQuietly(fileToEdit(state, deps.sessionDir))?.slice(0, MAX_READ);
    chain = chain.then(() => printWaiting(state, text, deps)).catch(() => undefined);
    return chain;
  };
  return {
    notifier: {
      notify(event) {
        if (event.type === 'waiting') void show(event.state);
      },
    },
    show,
    settled: () => chain,
  };
}
