// STAND-IN for core/check-output.ts (gates-classify): the same signature, no rules yet — the class is the exit code
// and the excerpt the output's tail. The coordinator swaps the one import of it (src/gates/checks.ts) for the real
// classifier when it lands, and deletes this file. Pure.

/** The most of a check's output carried into the prompt and the history. */
const EXCERPT_CHARS = 3000;

export function classifyCheckOutput(
  output: string,
  run: { exitCode: number | null; timedOut: boolean },
): { cls: string; hint: string; excerpt: string } {
  const cls = run.timedOut ? 'timeout' : `exit_${run.exitCode ?? 'none'}`;
  const tail = output.length > EXCERPT_CHARS ? `…${output.slice(output.length - EXCERPT_CHARS)}` : output;
  return { cls, hint: '', excerpt: tail.trimEnd() };
}
