/**
 * Emitted on `process` each time an agent has been spawned (agent/session-agent.ts). The launcher (launcher/main.ts)
 * takes the first one as the end of the start: it sets V8's heap flags then (launcher/heap-flags.ts). An event, not
 * a call: the CLI bundle runs without the launcher too (tests import the source), and then nobody listens.
 */
export const AGENT_SPAWNED = 'samocode:agent-spawned';

/** Tell whoever listens that an agent runs (Node's types list only Node's own events for `process.emit`). */
export function announceAgentSpawned(): void {
  (process as NodeJS.EventEmitter).emit(AGENT_SPAWNED);
}
