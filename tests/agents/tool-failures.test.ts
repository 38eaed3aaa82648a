// Failed tool calls of the REAL CLIs reach the person: a Bash/exec_command that exits non-zero is marked `✗` on the
// console with its error line, counted in the iteration's summary line ("2 tool calls, 1 failed") and in the history
// (`run.toolCalls`, `run.toolFailures`). Claude reports the result after the call (is_error), Codex with the
// completed command (its exit code): both must show the same way.
import { describe, expect, test } from 'vitest';
import { turn } from './model-servers/script.js';
import { SUITE_ON, agentSession, sig } from './helpers/agent-session.js';

const FAILING = 'ls /no/such/dir-for-samocode';

describe.skipIf(!SUITE_ON)('failed tool calls', () => {
  test.each(['claude', 'codex'] as const)('%s: a failing command is marked and counted', async (provider) => {
    const session = await agentSession(provider, [
      turn.bash(FAILING),
      turn.signal(sig.pause(), { codexTool: 'exec_command' }),
      turn.text(),
    ]);
    const run = await session.run();
    expect(run.exitCode, session.explain(run)).toBe(5);
    const [entry] = session.iterations();
    expect(entry?.run, session.explain(run)).toMatchObject({ toolCalls: 2, toolFailures: 1 });
    // Claude: `Exit code 2` and the line that says why; Codex: `exit 2` and the output's error line.
    expect(run.stderr).toMatch(
      /WARN: #1 inv {2}✗ Bash ls \/no\/such\/dir-for-samocode: (?:Exit code|exit) 2: ls: cannot access .*No such file or directory/,
    );
    expect(run.stderr).toMatch(/#1 inv {2}waiting \([^)]*2 tool calls, 1 failed\): iteration done/);
  });
});
