// One session's orchestrator, as its own `orchestrate run` child process: the same built CLI, so a crash of one
// session never touches another. It leads its own process group (spawned detached): a forced stop reaches it and
// whatever it started with one signal; its agent runs in a group of its own, which the child stops itself on
// SIGTERM, and its watchdog (agent/watchdog.ts) stops when the child is killed outright.
import { spawn } from 'node:child_process';
import type { Scrub } from '../core/secrets.js';
import { signalGroup } from '../io/process-group.js';
import type { ChildEnd } from './child-end.js';

/** Enough of stderr to say why it died, not so much that a record grows large. */
const TAIL_CHARS = 1_500;

export interface SessionChild {
  pid: number | undefined;
  ended: Promise<ChildEnd>;
  /** Finish the iteration under way, then stop (SIGUSR2: io/shutdown.ts). */
  afterIteration(): void;
  /** Stop now, resumable (SIGTERM: the child stops its agent and records the interruption). */
  interrupt(): void;
  /** SIGKILL its whole process group (the third signal to the worker). */
  kill(): void;
}

export interface ChildOptions {
  node: string;
  cli: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  scrub: Scrub;
  /** Each line it prints on stderr, scrubbed. */
  onLine(line: string): void;
}

export function startSessionChild(opts: ChildOptions): SessionChild {
  const child = spawn(opts.node, [opts.cli, ...opts.args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: opts.env,
  });
  let tail = '';
  let partial = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-TAIL_CHARS);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) opts.onLine(opts.scrub(line));
  });
  const ended = new Promise<ChildEnd>((resolve) => {
    child.on('error', (error) =>
      resolve({ exitCode: null, signal: null, stderrTail: opts.scrub(`could not start: ${error.message}`) }),
    );
    child.on('close', (exitCode, signal) => {
      if (partial.trim()) opts.onLine(opts.scrub(partial));
      resolve({ exitCode, signal, stderrTail: opts.scrub(lastLines(tail)) });
    });
  });
  const send = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(child.pid, signal);
    } catch {
      // gone meanwhile
    }
  };
  return {
    pid: child.pid,
    ended,
    afterIteration: () => send('SIGUSR2'),
    interrupt: () => send('SIGTERM'),
    kill: () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    },
  };
}

/** The last few non-empty lines, on one line each joined by " | " (a record's reason is one line). */
function lastLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-4)
    .join(' | ');
}
