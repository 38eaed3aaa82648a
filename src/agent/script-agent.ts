#!/usr/bin/env node
// The built-in scripted agent: plays one step of a scenario file per spawn, so the real loop can run without a
// model (tests, the demo, benchmarks). Node built-ins only, to start fast. Format: docs/scenarios.md.
//
// The step is chosen by SAMOCODE_ITERATION (1-based), so a resumed or retried iteration plays the same step again;
// `attempts` overrides fields per attempt (SAMOCODE_ATTEMPT) to script failures followed by a success.
import { spawn, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { OVERVIEW_FILE } from '../core/session-files.js';

interface Step {
  /** Object → written as JSON; string → written verbatim (to test bad JSON); null/absent → no signal file. */
  signal?: Record<string, unknown> | string | null;
  /** Hostile signals, instead of `signal`: a FIFO at the signal path. */
  signalFifo?: boolean;
  /** A directory (with a file in it) at the signal path. */
  signalDirectory?: boolean;
  /** A symbolic link at the signal path to this target (e.g. /etc/passwd, /dev/zero, or `_signal.json`: a loop). */
  signalSymlink?: string;
  /** A hard link at the signal path to this file (relative to the session folder, or absolute). */
  signalHardlink?: string;
  /** These bytes (base64) written verbatim: a byte-order mark, NUL, invalid UTF-8. */
  signalBase64?: string;
  /** A sparse file of this many (zero) bytes: a huge signal that costs no disk. */
  signalSparseBytes?: number;
  /** Copy what the agent reads on stdin (the prompt) to this session file. */
  stdinFile?: string;
  /** Files to write, relative to the working dir. */
  files?: Record<string, string>;
  /** Files to write with these bytes (base64), relative to the working dir: binary content. */
  filesBase64?: Record<string, string>;
  /** Files to move, `{ "from": "to" }`, relative to the working dir (a rename, for git to detect). */
  renames?: Record<string, string>;
  /** Files to make executable (mode 755), relative to the working dir. */
  executable?: string[];
  /** Files to delete, relative to the working dir. */
  removeFiles?: string[];
  /** Files to write, relative to the session folder (e.g. `_qa.md`). */
  sessionFiles?: Record<string, string>;
  /** Session files replaced by a FIFO (named pipe), as a hostile agent could: relative to the session folder. */
  sessionFifos?: string[];
  /** Text appended to the body of `_overview.md`, as an agent keeping notes would. */
  appendOverview?: string;
  /** Commit everything in the working dir with this message (git repos only). */
  commit?: string;
  stdout?: string[];
  stderr?: string[];
  /** Print this many bytes of JSON lines to stdout (for output-volume benchmarks). */
  stdoutBytes?: number;
  /** Benchmarks: append `{"startedAt": <process start, ms since epoch>, "printMs": <time to print stdoutBytes>}` to this session file. */
  timingFile?: string;
  delayMs?: number;
  /** Start a child that sleeps forever (in the agent's process group) and write its pid to this session file. */
  grandchildPidFile?: string;
  /** Start a child that sleeps forever in a new session and process group (setsid, as a daemon would) and write its pid here. */
  setsidPidFile?: string;
  /** Write the environment the agent received, as JSON, to this session file (tests check what reaches agents). */
  envFile?: string;
  /** Fill the disk holding the session folder: write zeros to this new session file until ENOSPC (after the signal). */
  fillDisk?: string;
  /** Never exit (after doing everything else). */
  hang?: boolean;
  /** Ignore SIGTERM, so only SIGKILL stops it. */
  ignoreSigterm?: boolean;
  exitCode?: number;
  /** Per-attempt overrides: attempt N uses attempts[N-1] (the last entry repeats). */
  attempts?: Omit<Step, 'attempts'>[];
}

function fail(message: string): never {
  process.stderr.write(`script-agent: ${message}\n`);
  process.exit(3);
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) fail(`${name} is not set; the script agent is started by the orchestrator`);
  return value;
}

function loadStep(): Step {
  const scenarioFile = process.argv[2] || fail('usage: script-agent <scenario.json>');
  let scenario: unknown;
  try {
    scenario = JSON.parse(readFileSync(scenarioFile, 'utf8'));
  } catch (error) {
    fail(`cannot read scenario ${scenarioFile}: ${(error as Error).message}`);
  }
  const steps = Array.isArray(scenario) ? scenario : (scenario as { steps?: unknown }).steps;
  if (!Array.isArray(steps)) fail(`${scenarioFile}: expected {"steps": [...]} or an array of steps`);
  const iteration = Number(env('SAMOCODE_ITERATION'));
  const step = steps[iteration - 1] as Step | undefined;
  if (!step) fail(`${scenarioFile}: no step for iteration ${iteration} (the scenario has ${steps.length})`);
  const attempt = Number(process.env.SAMOCODE_ATTEMPT ?? '1');
  const override = step.attempts?.[Math.min(attempt, step.attempts.length) - 1];
  return { ...step, ...override };
}

function writeFile(base: string, relative: string, content: string | Buffer): void {
  const file = isAbsolute(relative) ? relative : join(base, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function printBytes(total: number): void {
  const line = `${JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'x'.repeat(1000) }] } })}\n`;
  const chunk = Buffer.from(line.repeat(64));
  let written = 0;
  while (written < total) {
    const slice = total - written >= chunk.length ? chunk : chunk.subarray(0, total - written);
    written += writeSync(1, slice);
  }
}

/**
 * Write zeros until the disk is full (at most 1 GB, so a real disk is never filled by mistake). Once only: when the
 * file exists the step is a re-run, and emptying the file is how a test frees the space again.
 */
function fillDisk(file: string): void {
  if (existsSync(file)) return;
  const chunk = Buffer.alloc(64 * 1024);
  const fd = openSync(file, 'a');
  try {
    for (let written = 0; written < 1 << 30;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const step = loadStep();
  const sessionDir = env('SAMOCODE_SESSION_PATH');
  const workingDir = env('SAMOCODE_WORKING_DIR');
  const signalFile = env('SAMOCODE_SIGNAL_FILE');

  if (step.ignoreSigterm) process.on('SIGTERM', () => {});
  if (step.stdinFile) writeFile(sessionDir, step.stdinFile, readFileSync(0, 'utf8'));
  for (const line of step.stdout ?? []) process.stdout.write(`${line}\n`);
  for (const line of step.stderr ?? []) process.stderr.write(`${line}\n`);
  const printStart = performance.now();
  if (step.stdoutBytes) printBytes(step.stdoutBytes);
  const printMs = performance.now() - printStart;
  if (step.timingFile) {
    const file = join(sessionDir, step.timingFile);
    appendFileSync(file, `${JSON.stringify({ startedAt: performance.timeOrigin, printMs })}\n`);
  }
  for (const [file, content] of Object.entries(step.files ?? {})) writeFile(workingDir, file, content);
  for (const [file, content] of Object.entries(step.filesBase64 ?? {}))
    writeFile(workingDir, file, Buffer.from(content, 'base64'));
  for (const [from, to] of Object.entries(step.renames ?? {})) {
    mkdirSync(dirname(join(workingDir, to)), { recursive: true });
    renameSync(join(workingDir, from), join(workingDir, to));
  }
  for (const file of step.executable ?? []) chmodSync(join(workingDir, file), 0o755);
  for (const file of step.removeFiles ?? []) rmSync(join(workingDir, file), { force: true });
  for (const [file, content] of Object.entries(step.sessionFiles ?? {})) writeFile(sessionDir, file, content);
  for (const file of step.sessionFifos ?? []) {
    rmSync(join(sessionDir, file), { force: true });
    execFileSync('mkfifo', [join(sessionDir, file)]);
  }
  if (step.envFile) writeFile(sessionDir, step.envFile, JSON.stringify(process.env));
  if (step.appendOverview) appendFileSync(join(sessionDir, OVERVIEW_FILE), `${step.appendOverview}\n`);
  if (step.commit) {
    execFileSync('git', ['add', '-A'], { cwd: workingDir, stdio: 'ignore' });
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', step.commit], { cwd: workingDir, stdio: 'ignore' });
  }
  if (step.grandchildPidFile) {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writeFile(sessionDir, step.grandchildPidFile, String(child.pid));
    child.unref();
  }
  if (step.setsidPidFile) {
    // detached: Node calls setsid() in the child, so it leaves the agent's process group and session.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
    writeFile(sessionDir, step.setsidPidFile, String(child.pid));
    child.unref();
  }
  if (step.delayMs) await sleep(step.delayMs);
  if (!writeHostileSignal(step, signalFile) && step.signal !== undefined && step.signal !== null) {
    const text = typeof step.signal === 'string' ? step.signal : JSON.stringify(step.signal);
    const temp = `${signalFile}.tmp-${process.pid}`;
    writeFileSync(temp, text);
    renameSync(temp, signalFile);
  }
  if (step.fillDisk) fillDisk(join(sessionDir, step.fillDisk));
  if (step.hang) {
    setInterval(() => {}, 1 << 30);
    return;
  }
  process.exitCode = step.exitCode ?? 0;
}

/** The hostile variants of the signal file; false when the step has none. */
function writeHostileSignal(step: Step, signalFile: string): boolean {
  if (step.signalFifo) execFileSync('mkfifo', [signalFile]);
  else if (step.signalDirectory) writeFile(signalFile, 'inside.json', '{"status":"continue"}');
  else if (step.signalSymlink !== undefined) symlinkSync(step.signalSymlink, signalFile);
  else if (step.signalHardlink !== undefined)
    linkSync(
      isAbsolute(step.signalHardlink) ? step.signalHardlink : join(dirname(signalFile), step.signalHardlink),
      signalFile,
    );
  else if (step.signalBase64 !== undefined) writeFileSync(signalFile, Buffer.from(step.signalBase64, 'base64'));
  else if (step.signalSparseBytes !== undefined) {
    const fd = openSync(signalFile, 'w');
    ftruncateSync(fd, step.signalSparseBytes);
    closeSync(fd);
  } else return false;
  return true;
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
