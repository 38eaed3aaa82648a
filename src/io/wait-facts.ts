// The facts about the session folder that the judgement of a `waiting` signal needs, read when the agent signals:
// how many questions `_qa.md` holds, and where the signal's `file` really is. The judgement itself is pure
// (core/wait.ts).
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { answerable, parseQuestions } from '../core/answers.js';
import type { Signal } from '../core/signal.js';
import type { SessionState } from '../core/state.js';
import { QA_FILE, type WaitPlace } from '../core/session-files.js';
import type { WaitSignalFacts } from '../core/wait.js';
import { readIfExists } from './read-if-exists.js';

export function waitSignalFacts(sessionDir: string, state: SessionState, signal: Signal): WaitSignalFacts {
  const qa = signal.for === 'qa_answers' ? readIfExists(join(sessionDir, QA_FILE)) : undefined;
  return {
    questions: qa === undefined ? undefined : answerable(parseQuestions(qa)).length,
    file: signal.file === undefined ? undefined : placeOf(signal.file, sessionDir, state.workingDir),
  };
}

/** Where a waited-on file resolves, and the folders it may be in. A relative name is relative to the session folder. */
export function placeOf(file: string, sessionDir: string, workingDir: string): WaitPlace {
  return {
    resolved: realPath(isAbsolute(file) ? file : join(sessionDir, file)),
    roots: [realPath(sessionDir), realPath(workingDir)],
  };
}

/** Symlinks this deep are a loop (the kernel's own limit is 40). */
const MAX_LINKS = 40;

/**
 * The real location of `path`, also when it does not exist yet: `..` is resolved, and symlinks are followed on the
 * part that exists, a dangling one included (it would be followed when the file is created).
 */
export function realPath(path: string): string {
  let current = resolve(path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    try {
      return realpathSync(current);
    } catch {
      // Missing (or a loop): resolve the parent, then look at the last part.
    }
    const parent = dirname(current);
    if (parent === current) return current;
    const name = basename(current);
    const base = realPath(parent);
    let target: string;
    try {
      if (!lstatSync(join(base, name)).isSymbolicLink()) return join(base, name);
      target = readlinkSync(join(base, name));
    } catch {
      return join(base, name);
    }
    current = resolve(base, target);
  }
  return current;
}
