// `orchestrate continue`: check the command line, then run the session like `orchestrate run`, reopened first
// (reopen.ts) under its lock.
import { UsageError } from '../../errors.js';
import type { CommandInput } from '../flags.js';
import { runCommand } from '../run/run.js';
import { CONTINUE_PHASES, reopenSession, type ContinuePhase } from './reopen.js';

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
  return runCommand(input, {
    resume: false,
    reopen: (config, opened) =>
      reopenSession(config, opened, { instruction, from: from as ContinuePhase, rerun }, new Date()),
  });
}
