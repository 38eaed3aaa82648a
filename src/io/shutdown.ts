// Ctrl-C and SIGTERM. The first one aborts the run: the loop stops the agent's process group, records the
// interruption and returns, so the CLI can exit with 130/143 after everything is flushed. A second one exits at
// once, after the synchronous emergency cleanups (kill the agent group, release the lock). SIGUSR2 is the gentle
// one a draining worker sends (queue/): finish the iteration under way, then stop as SIGTERM would.
import { EXIT_CODES } from '../errors.js';

export interface Shutdown {
  /** Aborted by the first Ctrl-C / SIGTERM (its reason is the signal's name) or by stop(). */
  abort: AbortSignal;
  /** Aborted by SIGUSR2: end the run after the iteration under way (LoopDeps.stopBetween). */
  afterIteration: AbortSignal;
  /** Stop the run as Ctrl-C would (Telegram's /stop). */
  stop(): void;
  /** Register a synchronous cleanup for a forced exit; returns a function that unregisters it. */
  onForcedExit(cleanup: () => void): () => void;
  dispose(): void;
}

export function installShutdown(): Shutdown {
  const controller = new AbortController();
  const cleanups = new Set<() => void>();
  const handler = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      process.stderr.write(`\n${signal}: stopping the agent and saving the session (press Ctrl-C again to force)\n`);
      controller.abort(signal);
      return;
    }
    for (const cleanup of cleanups) {
      try {
        cleanup();
      } catch {
        // best effort: we are leaving anyway
      }
    }
    process.exit(signal === 'SIGTERM' ? EXIT_CODES.sigterm : EXIT_CODES.sigint);
  };
  const gentle = new AbortController();
  const onUsr2 = () => {
    if (gentle.signal.aborted) return;
    process.stderr.write('\nSIGUSR2: finishing the iteration under way, then stopping (resumable)\n');
    gentle.abort('SIGUSR2');
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGUSR2', onUsr2);
  return {
    abort: controller.signal,
    afterIteration: gentle.signal,
    stop() {
      if (!controller.signal.aborted) controller.abort('SIGINT');
    },
    onForcedExit(cleanup) {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('SIGUSR2', onUsr2);
    },
  };
}
