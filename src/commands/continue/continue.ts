// `orchestrate continue`: check the command line, then run the session like `orchestrate run`, reopened first
// (reopen.ts) under its lock.
import { projectConfig, requireConfigFlag } from '../project-config.js';
import { join } from 'node:path';
import { makeScrubber } from '../../core/secrets.js';
import { OVERVIEW_FILE } from '../../core/session-files.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import { noSuchSession, sessionFolderFor } from '../../io/session-folder.js';
import { StateStore } from '../../io/state-store.js';
import { openQueue } from '../../queue/open-queue.js';
import type { CommandInput } from '../flags.js';
import { runCommand } from '../run/run.js';
import { CONTINUE_PHASES, notDone, reopenSession, type Continuation, type ContinuePhase } from './reopen.js';

export async function continueCommand(input: CommandInput): Promise<number> {
  const { values, help, name } = input;
  const instruction = values.instruction?.trim();
  if (!instruction)
    throw new UsageError(
      `--instruction is required: the new work for the session, e.g. --instruction "Also support refresh tokens"\n\n${help(name)}`,
    );
  const from = values.from ?? 'investigation';
  if (!(CONTINUE_PHASES as readonly string[]).includes(from))
    throw new UsageError(
      `--from ${JSON.stringify(from)} is not a phase a new cycle can start in; fix: --from ${CONTINUE_PHASES.join(' or --from ')}`,
    );
  const rerun = `orchestrate --config ${values.config ?? '<.samocode>'} --session ${values.session ?? '<name>'}`;
  if (values.enqueue) return enqueueContinuation(input, { instruction, from: from as ContinuePhase, rerun });
  return runCommand(input, {
    resume: false,
    reopen: (config, opened) =>
      reopenSession(config, opened, { instruction, from: from as ContinuePhase, rerun }, new Date()),
  });
}

/**
 * `--enqueue`: the session must be done now (as for a run here); the job carries the instruction and phase, and the
 * worker that takes it runs `orchestrate continue` (queue/worker.ts childArgs).
 */
async function enqueueContinuation(input: CommandInput, continuation: Continuation): Promise<number> {
  const { values, help, name } = input;
  requireConfigFlag(input);
  if (values.session === undefined)
    throw new UsageError(
      `--session is required: the done session to continue, e.g. --session add-auth\n\n${help(name)}`,
    );
  const { config } = projectConfig(input);
  const { folder, exists } = sessionFolderFor(config, values.session);
  if (!exists) throw noSuchSession(config, values.session);
  const read = await new StateStore(join(config.sessions, folder, OVERVIEW_FILE)).read();
  if (read?.kind !== 'state') throw noSuchSession(config, values.session);
  if (read.state.status !== 'done')
    throw notDone(read.state, join(config.sessions, folder, OVERVIEW_FILE), continuation.rerun);
  const scrub = makeScrubber(config.secrets);
  const queue = await openQueue(config);
  try {
    const { id, added } = await queue.enqueue({
      session: folder,
      instruction: scrub(continuation.instruction),
      from: continuation.from,
    });
    process.stdout.write(
      added
        ? `queued ${id}: a worker continues it from ${continuation.from} with the new instruction\n`
        : `${id} is already in the queue: left as it is\n`,
    );
  } finally {
    await queue.close();
  }
  return EXIT_CODES.done;
}
