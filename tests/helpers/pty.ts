// The real CLI on a pseudo-terminal: util-linux's `script` gives the child a pty for stdin, stdout and stderr, and
// copies everything the child writes to the terminal (control sequences included) to its own stdout, which the test
// reads. No native module: `script` is in Debian's essential bsdutils package. Outside CI a machine without it skips
// these tests with a message saying so; in CI (CI=true) they fail instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI, type CliResult, type Project } from './rig.js';

export const SCRIPT = '/usr/bin/script';

/** Why the pty tests cannot run here, or undefined when they can. In CI the absence of `script` is an error. */
export function noPty(): string | undefined {
  if (existsSync(SCRIPT)) return undefined;
  const why = `${SCRIPT} (util-linux) is missing`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}: the terminal tests must run in CI`);
  return why;
}

export interface PtyRun {
  child: ChildProcess;
  /** What reached the terminal so far. */
  output(): string;
  /** Type on the terminal's keyboard (`\u0003` is Ctrl-C: the terminal sends SIGINT to the foreground job). */
  type(text: string): void;
  result: Promise<CliResult>;
}

/** `orchestrate <args>` on a terminal `columns` wide; `stdout` of the result is everything the terminal showed. */
export function startOnPty(project: Project, args: string[], opts: { env?: NodeJS.ProcessEnv; columns?: number } = {}) {
  const command = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
  const child = spawn(
    SCRIPT,
    ['-qfec', `stty cols ${opts.columns ?? 100} rows 40 2>/dev/null; exec ${command}`, '/dev/null'],
    { cwd: project.root, env: { ...project.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const result = new Promise<CliResult>((done) => {
    child.on('close', (exitCode, signal) => {
      clearTimeout(timeout);
      done({ exitCode, signal, stdout, stderr });
    });
  });
  const run: PtyRun = {
    child,
    output: () => stdout,
    type: (text) => child.stdin.write(text),
    result: result.finally(() => child.stdin.destroy()),
  };
  return run;
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
