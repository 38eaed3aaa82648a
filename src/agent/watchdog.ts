// Stops the agent promptly when the orchestrator dies without cleaning up (`kill -9`, the OOM killer). A tiny `sh`
// process (about 1 MB, not a second node) started at the first spawn, in its own session so a Ctrl-C at the terminal
// does not reach it. It reads its stdin, a pipe only the orchestrator holds: "agent <pgid>" / "agent -" lines keep it
// told which process group runs; "go" (a normal exit) dismisses it. End of file without "go" means the orchestrator is
// gone: it stops the agent's group and every process carrying the run id (SIGTERM, grace, SIGKILL), then exits.
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = `
run="$1"; grace="$2"; agent=
while read -r cmd arg; do
  case "$cmd" in
    agent) agent="$arg" ;;
    go) exit 0 ;;
  esac
done
sweep() {
  for f in /proc/[0-9]*/environ; do
    if grep -qzxF "SAMOCODE_RUN_ID=$run" "$f" 2>/dev/null; then p="\${f#/proc/}"; kill -s "$1" "\${p%/environ}" 2>/dev/null; fi
  done
}
[ -n "$agent" ] && kill -s TERM -- "-$agent" 2>/dev/null
sweep TERM
sleep "$grace"
[ -n "$agent" ] && kill -s KILL -- "-$agent" 2>/dev/null
sweep KILL
exit 0
`;

/** How long after an agent ended the watchdog is told so, unless the next agent has started by then. */
const AGENT_ENDED_AFTER_MS = 100;

/** The name the watchdog runs under (its `$0`), so `ps` shows what it is. */
export const WATCHDOG_NAME = 'samocode-watchdog';

export interface Watchdog {
  /** The agent's process group now running, or undefined when it has ended. */
  agent(pgid: number | undefined): void;
  /** A normal end of the run: the watchdog exits without stopping anything. */
  dismiss(): void;
}

export function startWatchdog(runId: string, graceMs: number): Watchdog {
  let child: ChildProcess | undefined;
  try {
    child = spawn('/bin/sh', ['-c', SCRIPT, WATCHDOG_NAME, runId, String(Math.max(graceMs, 100) / 1000)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
  } catch {
    child = undefined;
  }
  // Best effort: without a watchdog, the next start still stops what a dead run left (session-lock.ts).
  child?.on('error', () => undefined);
  child?.stdin?.on('error', () => undefined);
  // Neither the process nor its pipe may keep the orchestrator alive.
  child?.unref();
  (child?.stdin as unknown as { unref?: () => void } | undefined)?.unref?.();
  const send = (line: string) => {
    if (child?.stdin?.writable) child.stdin.write(`${line}\n`);
  };
  // "agent -" waits a moment: the next agent usually starts within milliseconds, and its own line replaces it (one
  // pipe write per iteration instead of two). Meanwhile the watchdog would only signal a group that has just ended,
  // whose pgid cannot have been handed out again so soon.
  let ended: NodeJS.Timeout | undefined;
  const cancelEnded = () => {
    clearTimeout(ended);
    ended = undefined;
  };
  return {
    agent: (pgid) => {
      cancelEnded();
      if (pgid !== undefined) return send(`agent ${pgid}`);
      ended = setTimeout(() => {
        ended = undefined;
        send('agent -');
      }, AGENT_ENDED_AFTER_MS);
      ended.unref();
    },
    dismiss: () => {
      cancelEnded();
      send('go');
      child?.stdin?.end();
    },
  };
}
