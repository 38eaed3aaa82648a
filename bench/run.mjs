#!/usr/bin/env node
// samocode benchmark: figures, not a test. Runs the real CLI (dist/cli.js) as the `claude` provider against a no-op
// fake agent (bench/fake-agent.c, compiled with `cc` when there is one; bench/fake-agent.mjs otherwise) in fresh
// throwaway projects, measures each figure's floor or reference in the same run, and prints one table: figure, floor,
// ratio, target. Medians over the rounds; rounds interleave the measurements so a noisy neighbour hurts all alike.
//   floor        the same fake agent spawned N times from a minimal Node loop (bench/floor.mjs)
//   reference    `node -e 0` with the same environment (spawn → exit)
// A missed target never fails the run; only an unexpected failure of a run (wrong exit code, …) exits non-zero.
//
// usage: npm run bench [-- --runs N | --quick …]      (npm run bench builds first; `node bench/run.mjs …` does not)
//   --runs N          rounds (default 5, at least 3); each run in its own temp project
//   --iterations N    iterations per overhead session (default 30)
//   --quick           --runs 3 --iterations 15, and the idle sessions only for N = 1 and 10
//   --keep            keep the temp projects (their paths are printed) to look at session.log, _logs/ …
//   --json            also print all raw figures as one JSON object at the end
//   --no-extra-ca     drop NODE_EXTRA_CA_CERTS from the children's environment (Node 20 loads that bundle eagerly
//                     at every process start)
//   --against REF     A/B: REF (branch, tag, commit) built in a temp git worktree, and this checkout's dist/, run
//                     alternately in each of N rounds (default 12, --quick 6; ABBA order): only the per-iteration and
//                     start-up figures, each build's median, the change, and in how many rounds this checkout was
//                     lower (bench/against.mjs). About 90 s here (--quick 40 s)
// The CLI gets a clean environment: this shell's minus SAMOCODE_*, TELEGRAM_*, CLAUDE_*, CODEX_*, VITEST*,
// NODE_OPTIONS and npm_*, plus a private HOME (its .gitconfig holds the git identity) and NO_COLOR=1; it runs with --quiet (besides each resumed start,
// one without, its console lines shown, and one on a terminal under script(1), as a person sees them). Needs Linux (/proc).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import matter from 'gray-matter';
import { addWorktree, buildAt, describeHead, removeWorktree, resolveCommit } from './against.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const SESSION = 'bench';
const HISTORY_FILE = '_signal_history.jsonl';
const OVERVIEW_FILE = '_overview.md';
const EXIT_BLOCKED = 4;
const HISTORY_LINES = 100_000;
const MiB = 1024 * 1024;
const BIG_BYTES = 50 * MiB;
const HUGE_BYTES = 1024 * MiB;
const RUN_TIMEOUT_MS = 300_000;
const CLK_TCK = 100;

const TARGETS = {
  overheadMs: 1.5,
  startupRatio: 1.3,
  quietRssMb: 60,
  streamRssMb: 80,
  flatRatio: 1.1,
  printMs: 100,
  resumeMs: 500,
};

// ───────────────────────────── options ─────────────────────────────

const USAGE =
  'usage: node bench/run.mjs [--runs N] [--iterations N] [--quick] [--keep] [--json] [--no-extra-ca] [--against REF]\n  (npm run bench builds first, then runs this)';
let opts;
try {
  opts = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      runs: { type: 'string' },
      iterations: { type: 'string' },
      quick: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'no-extra-ca': { type: 'boolean', default: false },
      against: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  usage(error.message);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
// An A/B round measures less, and the paired count needs more rounds than a median: below 6, even all of them one
// way happens by chance more than 1 time in 20.
const DEFAULT_RUNS = opts.against === undefined ? (opts.quick ? 3 : 5) : opts.quick ? 6 : 12;
const RUNS = positiveInt(opts.runs, DEFAULT_RUNS, '--runs');
const ITERATIONS = positiveInt(opts.iterations, opts.quick ? 15 : 30, '--iterations');
const IDLE_COUNTS = opts.quick ? [1, 10] : [1, 10, 50];
/** Resumed starts (and start-up floors) per round: one start moves by ±20 ms here. */
const RESUMES = opts.against === undefined ? 3 : 5;
if (RUNS < 3) fail('--runs must be at least 3 (figures are medians of ≥3 runs)');
if (ITERATIONS < 3) fail('--iterations must be at least 3');
const AGAINST =
  opts.against === undefined ? undefined : { ref: opts.against, commit: resolveCommit(ROOT, opts.against) };
if (AGAINST && !AGAINST.commit)
  usage(
    `--against ${JSON.stringify(AGAINST.ref)}: the repository at ${ROOT} has no commit of that name; give a branch, ` +
      'tag or commit it has (git log --oneline --all; git fetch first for one only on a remote), e.g. --against main',
  );

function usage(message) {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

function positiveInt(raw, fallback, name) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) fail(`${name} ${JSON.stringify(raw)} is not a whole number ≥ 1`);
  return value;
}

// ───────────────────────────── helpers ─────────────────────────────

class BenchError extends Error {}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** Wall clock in ms since the epoch, sub-ms precise: comparable with the fake agent's CLOCK_REALTIME stamps. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function stats(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
}

const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
const spread = (s, digits = 1) => `[${fmt(s.min, digits)}–${fmt(s.max, digits)}]`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/**
 * The CPU time the hypervisor gave to others while this VM wanted it (/proc/stat's steal), as a share of all CPU time
 * since `from`: a contended host makes every figure slower, the floors too (a run at 14% here had a start-up floor
 * ×1.47 of `node -e 0` instead of ×1.05). Undefined where /proc/stat has no such column.
 */
const hostTicks = () => {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return fields.length >= 8 ? { steal: fields[7], total: fields.reduce((a, b) => a + b, 0) } : undefined;
  } catch {
    return undefined;
  }
};
const stealSince = (from) => {
  const to = hostTicks();
  if (!from || !to || to.total <= from.total) return '';
  const share = (100 * (to.steal - from.steal)) / (to.total - from.total);
  return `; CPU steal ${fmt(share, 1)}%${share >= 2 ? ' (a contended host: every figure slower, the floors too)' : ''}`;
};

function progress(text) {
  process.stderr.write(`  … ${text}\n`);
}

const projects = [];
const scratch = mkdtempSync(join(tmpdir(), 'samocode-bench-'));
projects.push(scratch);

/** The fake agent: compiled from C when `cc` works, else the Node twin. */
function buildFakeAgent() {
  const binary = join(scratch, 'fake-agent');
  const cc = spawnSync('cc', ['-O2', '-o', binary, join(ROOT, 'bench', 'fake-agent.c')], { encoding: 'utf8' });
  if (cc.status === 0) return { path: binary, kind: 'C (cc -O2 bench/fake-agent.c)' };
  const script = join(scratch, 'fake-agent.mjs');
  copyFileSync(join(ROOT, 'bench', 'fake-agent.mjs'), script);
  chmodSync(script, 0o755);
  const why = cc.error ? `no cc (${cc.error.code})` : `cc failed: ${cc.stderr.trim().split('\n')[0]}`;
  return {
    path: script,
    kind: `Node (bench/fake-agent.mjs; ${why}): the per-iteration figures then include a Node start`,
  };
}

/** The CLI children's environment: the developer's shell minus everything samocode would read from it. */
function childEnvironment(home) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(SAMOCODE_|TELEGRAM_|CLAUDE_|CODEX_|VITEST|NODE_OPTIONS$|npm_|FAKE_)/.test(key)) continue;
    if (opts['no-extra-ca'] && key === 'NODE_EXTRA_CA_CERTS') continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    NO_COLOR: '1',
  };
}

/** A throwaway project: git repo with one commit, `.samocode` (claude = the fake agent), a private HOME. */
function createProject(label, agent) {
  const root = mkdtempSync(join(scratch, `${label}-`));
  projects.push(root);
  const repo = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(repo);
  mkdirSync(home);
  // The identity in the private HOME's git config, as a person has it (not GIT_AUTHOR_* and GIT_COMMITTER_*, which
  // spare samocode the git call that finds one).
  writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = bench\n\temail = bench@example.invalid\n');
  const env = { ...childEnvironment(home), FAKE_TIMING: join(root, 'timing.jsonl') };
  writeFileSync(join(repo, 'README.md'), '# bench repo\n');
  const git = (...args) => execFileSync('git', args, { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  const configFile = join(root, '.samocode');
  writeFileSync(
    configFile,
    [
      'MAIN_REPO=./repo',
      'WORKTREES=./worktrees',
      'SESSIONS=./sessions',
      'SAMOCODE_PROVIDER=claude',
      `CLAUDE_PATH=${agent.path}`,
      'SAMOCODE_RETRY_DELAY=0',
      'SAMOCODE_PHASE_LIMITS=investigation=100000',
      '',
    ].join('\n'),
  );
  return {
    root,
    env,
    configFile,
    timings: () => (existsSync(env.FAKE_TIMING) ? readJsonLines(env.FAKE_TIMING) : []),
    sessionDir() {
      const dir = join(root, 'sessions');
      const match = existsSync(dir) ? readdirSync(dir).filter((d) => d === SESSION || d.endsWith(`-${SESSION}`)) : [];
      if (match.length !== 1)
        throw new BenchError(
          `expected one session folder for "${SESSION}" under ${dir}, found ${match.join(', ') || 'none'}`,
        );
      return join(dir, match[0]);
    },
  };
}

function removeProject(root) {
  if (opts.keep) return;
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  projects.splice(projects.indexOf(root), 1);
}

function procStatus(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // gone, or no /proc
  }
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Start the CLI (or any node script). `spawnAt` is taken just before spawn(), `exitAt` when the process exits; its
 * peak RSS (VmHWM, the kernel's high-water mark) is read every `pollMs` and when it exits.
 */
function startNode(project, args, { expectExit, pollMs = 10, what, onStderr, env = project.env, terminal = false }) {
  let child;
  const done = new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let exitAt;
    let peakKb = 0;
    const spawnAt = now();
    // `terminal`: under script(1), which gives the CLI a pseudo-terminal (its exit code is the CLI's, with -e).
    const [command, argv] = terminal
      ? ['script', ['-qec', [process.execPath, ...args].map(shellQuote).join(' '), '/dev/null']]
      : [process.execPath, args];
    child = spawn(command, argv, { cwd: project.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const sample = () => {
      const kb = procStatus(child.pid, 'VmHWM');
      if (kb !== undefined && kb > peakKb) peakKb = kb;
    };
    const poll = setInterval(sample, pollMs);
    const timeout = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      onStderr?.(stderr, child);
    });
    child.on('error', (error) => {
      clearInterval(poll);
      clearTimeout(timeout);
      reject(new BenchError(`${what}: cannot start ${process.execPath}: ${error.message}`));
    });
    child.on('exit', () => {
      exitAt = now();
      clearInterval(poll);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      const result = { code, signal, stdout, stderr, spawnAt, exitAt, peakKb, pid: child.pid };
      if (expectExit !== undefined && code !== expectExit) {
        reject(
          new BenchError(
            `${what}: exited with ${code ?? signal}${signal === 'SIGKILL' ? ` (killed after ${RUN_TIMEOUT_MS / 1000} s)` : ''}, expected ${expectExit}\n` +
              `  command: node ${args.join(' ')}\n  cwd: ${project.root}\n` +
              `--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}\n${sessionLogTail(project)}`,
          ),
        );
        return;
      }
      resolve(result);
    });
  });
  return { child, done };
}

const shellQuote = (arg) => `'${arg.replaceAll("'", "'\\''")}'`;

/** Whether script(1) is here to give a run a terminal (util-linux; the bench leaves that row out without it). */
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** The CLI with --quiet (the figures' runs), or `quiet: false`: its console lines shown, as a person runs it. */
const runCli = (cli, project, args, { quiet = true, ...options } = {}) =>
  startNode(project, [cli, ...args, ...(quiet ? ['--quiet'] : [])], { expectExit: EXIT_BLOCKED, ...options }).done;

function tail(text, lines = 40) {
  const all = text
    .trimEnd()
    .split('\n')
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line));
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}

function sessionLogTail(project) {
  try {
    return `--- session.log (tail) ---\n${tail(readFileSync(join(project.sessionDir(), 'session.log'), 'utf8'), 8)}`;
  } catch {
    return '';
  }
}

function readJsonLines(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** The iteration entries of this run (seq > fromSeq), checked: 1..n, one attempt each, ok, the last one blocked. */
function checkEntries(sessionDir, fromSeq, n, what) {
  const entries = readJsonLines(join(sessionDir, HISTORY_FILE)).filter(
    (e) => e.seq > fromSeq && e.event === 'iteration',
  );
  const problems = [];
  if (entries.length !== n) problems.push(`${entries.length} iteration entries, expected ${n}`);
  entries.forEach((e, i) => {
    if (e.iteration !== i + 1) problems.push(`entry seq ${e.seq} has iteration ${e.iteration}, expected ${i + 1}`);
    if (e.run?.attempts !== 1) problems.push(`iteration ${e.iteration} took ${e.run?.attempts} attempts`);
    if (e.validation !== 'ok') problems.push(`iteration ${e.iteration}: ${e.validation} ${e.problem ?? ''}`);
  });
  if (entries.at(-1)?.statusAfter !== 'blocked')
    problems.push(`the last entry is ${entries.at(-1)?.statusAfter}, expected blocked`);
  if (problems.length) throw new BenchError(`${what}: unexpected history: ${problems.slice(0, 5).join('; ')}`);
  return entries;
}

/** Gaps from one agent's end to the next one's start, from the fake agent's own stamps. */
function gapsOf(timings, what, expected) {
  if (timings.length !== expected)
    throw new BenchError(`${what}: the fake agent ran ${timings.length} times, expected ${expected}`);
  return timings.slice(1).map((t, i) => t.startedAt - timings[i].endedAt);
}

function sessionArgs(project, { task = true } = {}) {
  return ['--config', project.configFile, '--session', SESSION, ...(task ? ['--task', 'bench task'] : [])];
}

// ───────────────────────────── measurements ─────────────────────────────

/**
 * node -e 0 with the same environment the CLI gets: what any Node process pays before running a line. `terminal`:
 * under script(1), as the CLI's start on a terminal is measured (script and its shell add ~10–15 ms here, which are
 * neither samocode's nor Node's).
 */
function nodeBaseline(env, count, { terminal = false } = {}) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = now();
    const result = terminal
      ? spawnSync('script', ['-qec', `${shellQuote(process.execPath)} -e 0`, '/dev/null'], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    times.push(now() - start);
    if (result.status !== 0) throw new BenchError(`node -e 0 exited with ${result.status ?? result.signal}`);
  }
  return times;
}

/**
 * `git worktree add -b` of a new session's branch, alone, in a fresh project's repository (the first worktree there,
 * as a new session's is): four git processes (worktree add, then branch, symbolic-ref and reset --hard as its
 * children) that a new session's start can only wait for. A reference for that row, not a target.
 */
function measureWorktreeAdd(agent) {
  const project = createProject('worktree-add', agent);
  try {
    const repo = join(project.root, 'repo');
    const path = join(project.root, 'worktrees', SESSION);
    mkdirSync(join(project.root, 'worktrees'));
    const start = now();
    const result = spawnSync('git', ['worktree', 'add', '-b', `samocode/${SESSION}`, path, 'main'], {
      cwd: repo,
      env: project.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ms = now() - start;
    if (result.status !== 0) throw new BenchError(`git worktree add failed: ${result.stderr}`);
    return ms;
  } finally {
    removeProject(project.root);
  }
}

/** The floor: the fake agent from a minimal Node loop; its median gap and the loop's own peak RSS. */
async function measureFloor(agent, stream) {
  const what = `floor (${stream ? 'stream' : 'quiet'})`;
  const project = createProject('floor', agent);
  try {
    const env = { ...project.env, FAKE_STREAM: stream ? '1' : '0' };
    const result = await startNode(project, [join(ROOT, 'bench', 'floor.mjs'), agent.path, ITERATIONS, project.root], {
      expectExit: 0,
      what,
      env,
    }).done;
    return { gapMs: median(gapsOf(project.timings(), what, ITERATIONS)), peakRssMb: result.peakKb / 1024 };
  } finally {
    removeProject(project.root);
  }
}

/**
 * A new session of N iterations (the last one blocks), then the same session resumed for one iteration. Gives the
 * per-iteration gap, start → first spawn for a new and for a resumed session, and the peak RSS.
 */
async function measureSession(agent, cli, { stream, bytes = 0, iterations = ITERATIONS, label, resume = false }) {
  const what = `${label} run`;
  const project = createProject(label, agent);
  try {
    const env = {
      ...project.env,
      FAKE_LAST: String(iterations),
      FAKE_STREAM: stream ? '1' : '0',
      FAKE_STREAM_BYTES: String(bytes),
    };
    const result = await runCli(cli, project, sessionArgs(project), { what, env, pollMs: bytes ? 10 : 25 });
    const sessionDir = project.sessionDir();
    checkEntries(sessionDir, 0, iterations, what);
    const timings = project.timings();
    const figures = {
      gapMs: iterations > 1 ? median(gapsOf(timings, what, iterations)) : NaN,
      startupMs: timings[0].startedAt - result.spawnAt,
      peakRssMb: result.peakKb / 1024,
      agentMs: median(timings.map((t) => t.endedAt - t.startedAt)),
    };
    if (!resume) return figures;
    // A plain re-run resumes the blocked session (a `resumed` entry), then one more iteration that blocks; a start is
    // short and noisy, so a few of them, each followed by one without --quiet and the start-up floor.
    const resumed = [];
    const shown = [];
    const onTerminal = [];
    const floorStart = [];
    const resumeOnce = async ({ quiet = true, terminal = false } = {}) => {
      const before = project.timings().length;
      const again = await runCli(cli, project, sessionArgs(project, { task: false }), {
        what: `${what} (resumed${quiet ? '' : ', no --quiet'}${terminal ? ', on a terminal' : ''})`,
        env: { ...env, FAKE_LAST: '1' },
        quiet,
        terminal,
      });
      return project.timings()[before].startedAt - again.spawnAt;
    };
    for (let i = 0; i < RESUMES; i++) {
      resumed.push(await resumeOnce());
      shown.push(await resumeOnce({ quiet: false }));
      if (HAS_SCRIPT) onTerminal.push(await resumeOnce({ quiet: false, terminal: true }));
      floorStart.push(await measureStartFloor(agent, project));
    }
    return {
      ...figures,
      resumedStartupMs: median(resumed),
      shownStartupMs: median(shown),
      terminalStartupMs: HAS_SCRIPT ? median(onTerminal) : NaN,
      floorStartupMs: median(floorStart),
    };
  } finally {
    removeProject(project.root);
  }
}

/** bench/start-floor.cjs in a session's project: start → its agent's spawn (a timing file of its own). */
async function measureStartFloor(agent, project) {
  const timing = join(project.root, 'start-floor-timing.jsonl');
  const args = [join(ROOT, 'bench', 'start-floor.cjs'), agent.path, project.root];
  const result = await startNode(project, args, {
    expectExit: 0,
    what: 'start-up floor',
    env: { ...project.env, FAKE_TIMING: timing, FAKE_LAST: '1' },
  }).done;
  // The floor does not wait for its agent: the agent's line may come just after the floor exits.
  for (let tries = 0; tries < 100 && !existsSync(timing); tries++) await sleep(10);
  const lines = readJsonLines(timing);
  rmSync(timing, { force: true });
  return lines.at(-1).startedAt - result.spawnAt;
}

/** Git calls of a new session up to its first spawn (and in its one iteration): a `git` on PATH that logs and runs git. */
async function countGitCalls(agent, cli) {
  const project = createProject('git-calls', agent);
  try {
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = join(project.root, 'bin');
    const log = join(project.root, 'git-calls.log');
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/bash\necho "$EPOCHREALTIME $*" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const env = { ...project.env, PATH: `${bin}:${project.env.PATH}`, FAKE_LAST: '1' };
    await runCli(cli, project, sessionArgs(project), { what: 'git-call count', env });
    const [first] = project.timings();
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => ({
        at: Number(line.slice(0, line.indexOf(' '))) * 1000,
        args: line.slice(line.indexOf(' ') + 1),
      }));
    const before = calls.filter((c) => c.at < first.startedAt);
    return { beforeSpawn: before.length, total: calls.length, commands: before.map((c) => c.args) };
  } finally {
    removeProject(project.root);
  }
}

/** The same N iterations, resumed in a session whose history already holds 100,000 lines. */
async function measureLongHistory(agent, cli) {
  const what = `${HISTORY_LINES.toLocaleString('en')} history lines`;
  const project = createProject('history', agent);
  try {
    await runCli(cli, project, sessionArgs(project), {
      what: `${what}: setup`,
      env: { ...project.env, FAKE_LAST: '1' },
    });
    const sessionDir = project.sessionDir();
    const [template] = checkEntries(sessionDir, 0, 1, `${what}: setup`);
    const lines = new Array(HISTORY_LINES);
    for (let i = 0; i < HISTORY_LINES; i++) lines[i] = JSON.stringify({ ...template, seq: i + 1, iteration: i + 1 });
    writeFileSync(join(sessionDir, HISTORY_FILE), `${lines.join('\n')}\n`);
    // historySeq says all 100,000 entries are applied; iterations restart at 0 so the agent's are 1..N again.
    const overviewFile = join(sessionDir, OVERVIEW_FILE);
    const parsed = matter(readFileSync(overviewFile, 'utf8'), { language: 'yaml' });
    const data = { ...parsed.data, historySeq: HISTORY_LINES, iterations: 0, phaseIterations: 0 };
    writeFileSync(overviewFile, matter.stringify('', data).replace(/\n\n$/, '\n') + parsed.content);
    writeFileSync(project.env.FAKE_TIMING, '');

    const result = await runCli(cli, project, sessionArgs(project, { task: false }), {
      what,
      env: { ...project.env, FAKE_LAST: String(ITERATIONS) },
    });
    if (/ahead of|recovered history entry/.test(result.stderr))
      throw new BenchError(`${what}: the orchestrator did not take the prepared history as applied`);
    checkEntries(sessionDir, HISTORY_LINES + 1, ITERATIONS, what);
    return { gapMs: median(gapsOf(project.timings(), what, ITERATIONS)) };
  } finally {
    removeProject(project.root);
  }
}

/**
 * An answer while the session waits in the same process → the next agent's start: saved into `_qa.md` by hand, or
 * POSTed to `orchestrate serve` (the dashboard's path: HTTP, the same file edit, the run's watcher).
 */
async function measureResume(agent, cli, { via = 'file' } = {}) {
  const what = `resume (${via})`;
  const project = createProject(`resume-${via}`, agent);
  const serve = via === 'dashboard' ? await startServe(project, cli) : undefined;
  try {
    let saveAt;
    let failure;
    const env = { ...project.env, FAKE_WAIT: '1', FAKE_LAST: '2' };
    const answer = async () => {
      if (!serve) {
        const file = join(project.sessionDir(), '_qa.md');
        const answered = readFileSync(file, 'utf8').replace('_waiting_', 'A');
        saveAt = now();
        writeFileSync(file, answered);
        return;
      }
      saveAt = now();
      const response = await fetch(`${serve.origin}/api/sessions/${SESSION}/answers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ answers: { Q1: 'A' } }),
      });
      if (response.status !== 200) failure = `${what}: POST answers → ${response.status} ${await response.text()}`;
    };
    await runCli(cli, project, sessionArgs(project), {
      what,
      env,
      pollMs: 50,
      onStderr: (text) => {
        if (saveAt !== undefined || !text.includes('waiting for you')) return;
        saveAt = 0;
        // Give the watcher time to be ready, so the figure is the watcher's latency, not a race with its start.
        setTimeout(() => void answer().catch((error) => (failure = `${what}: ${error.message}`)), 500);
      },
    });
    if (failure) throw new BenchError(failure);
    if (!saveAt) throw new BenchError(`${what}: the orchestrator never said it was waiting`);
    const timings = project.timings();
    return { resumeMs: timings[1].startedAt - saveAt };
  } finally {
    serve?.child.kill('SIGTERM');
    if (serve) await serve.exited;
    removeProject(project.root);
  }
}

/** `orchestrate serve` on the project: its URL (printed once on stdout) split into origin and token. */
async function startServe(project, cli) {
  const child = spawn(process.execPath, [cli, 'serve', '--config', project.configFile], {
    env: project.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise((resolveUrl, rejectUrl) => {
    const timer = setTimeout(
      () => rejectUrl(new BenchError(`serve printed no URL in 20 s: ${err.slice(-500)}`)),
      20_000,
    );
    child.stdout.on('data', (d) => {
      out += d;
      const line = /^(http\S+)\n/m.exec(out);
      if (line) {
        clearTimeout(timer);
        resolveUrl(new URL(line[1]));
      }
    });
    child.once('exit', (code) => rejectUrl(new BenchError(`serve exited ${code}: ${err.slice(-500)}`)));
  });
  return { child, exited, origin: url.origin, token: url.searchParams.get('token') };
}

/** N sessions waiting for answers, each its own orchestrator, once settled: their RSS (sum of VmRSS) and CPU over 5 s. */
async function measureIdle(agent, cli, count) {
  const started = [];
  try {
    for (let i = 0; i < count; i++) {
      const project = createProject(`idle-${i}`, agent);
      let waiting;
      const ready = new Promise((resolve) => (waiting = resolve));
      const run = startNode(project, [cli, ...sessionArgs(project), '--quiet'], {
        what: `idle session ${i + 1}/${count}`,
        pollMs: 1000,
        env: { ...project.env, FAKE_WAIT: '1' },
        onStderr: (text) => text.includes('waiting for you') && waiting(),
      });
      run.done.catch(() => {});
      started.push({ project, run, ready });
    }
    let timer;
    await Promise.race([
      Promise.all(started.map((s) => s.ready)),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new BenchError(`idle sessions: not all ${count} were waiting after ${RUN_TIMEOUT_MS / 1000} s`)),
          RUN_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const pids = started.map((s) => s.run.child.pid);
    // Idle means settled: with many sessions starting on a few cores, the last ones are still finishing their start
    // (their watchers' first scan, V8's clean-up of start-up garbage) for seconds after they said they wait. Wait
    // until none used any CPU for 2 s (at most 30 s), then measure.
    const total = () => pids.reduce((sum, pid) => sum + (cpuTicks(pid) ?? 0), 0);
    for (let last = total(), quietSince = now(), deadline = now() + 30_000; now() < deadline;) {
      await sleep(500);
      const ticks = total();
      if (ticks !== last) [last, quietSince] = [ticks, now()];
      else if (now() - quietSince >= 2000) break;
    }
    const ticksBefore = pids.map(cpuTicks);
    const windowStart = now();
    await sleep(5000);
    const seconds = (now() - windowStart) / 1000;
    const ticks = pids.reduce((sum, pid, i) => sum + (cpuTicks(pid) ?? 0) - (ticksBefore[i] ?? 0), 0);
    const rssKb = pids.reduce((sum, pid) => sum + (procStatus(pid, 'VmRSS') ?? 0), 0);
    return { count, rssMb: rssKb / 1024, cpuPercent: (ticks / CLK_TCK / seconds) * 100 };
  } finally {
    for (const s of started) s.run.child.kill('SIGTERM');
    await Promise.all(started.map((s) => s.run.done.catch(() => {})));
    for (const s of started) removeProject(s.project.root);
  }
}

/**
 * The launcher keeps V8's code cache of the CLI (src/launcher/), one per kind of start (a run with --task, a new
 * session's; one without, a resume's): a start after a build writes a partial one as it exits, and one that lives 2 s
 * a complete one. A person's every start but the first of each kind finds the complete one; so do the figures: a new
 * session waits past that write, then, answered, is resumed with an agent run that waits past it too, before
 * anything is measured.
 */
async function warmCodeCache(agent, cli) {
  const project = createProject('warm', agent);
  try {
    const liveFor2s = async (args, env) => {
      let waiting;
      const ready = new Promise((resolve) => (waiting = resolve));
      const run = startNode(project, [cli, ...args, '--quiet'], {
        what: 'code cache warm-up',
        pollMs: 1000,
        env: { ...project.env, ...env, SAMOCODE_CODE_CACHE: 'report' },
        onStderr: (text) => text.includes('waiting for you') && waiting(),
      });
      run.done.catch(() => {});
      await Promise.race([ready, run.done]);
      await sleep(2500);
      run.child.kill('SIGTERM');
      await run.done.catch(() => {});
    };
    await liveFor2s(sessionArgs(project), { FAKE_WAIT: '1' });
    const qa = join(project.sessionDir(), '_qa.md');
    writeFileSync(qa, readFileSync(qa, 'utf8').replace('_waiting_', 'A'));
    await liveFor2s(sessionArgs(project, { task: false }), { FAKE_WAIT: '2' });
  } finally {
    removeProject(project.root);
  }
}

/** Columns padded to their widest cell, two spaces apart, under a rule. */
function formatTable(header, cells) {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) =>
    c
      .map((cell, i) => String(cell).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)];
}

// ───────────────────────────── main ─────────────────────────────

async function main() {
  if (!existsSync(CLI)) fail(`${CLI} does not exist: run npm run build (npm run bench does it for you)`);
  const started = now();
  const ticksAtStart = hostTicks();
  const env = childEnvironment(tmpdir());
  const agent = buildFakeAgent();
  if (AGAINST) return mainAgainst(agent, env, started, ticksAtStart);
  console.log(
    `samocode bench: ${RUNS} rounds, median [min–max]; ${ITERATIONS} iterations per overhead session\n` +
      `node ${process.version}, ${cpus().length} CPUs, load average ${load()} at start; fake agent: ${agent.kind}`,
  );

  const raw = {
    baseline: [],
    baselineTerminal: [],
    worktreeAdd: [],
    floorQuiet: [],
    floorStream: [],
    quiet: [],
    stream: [],
    big: [],
    history: [],
    resume: [],
    resumeServe: [],
    huge: [],
    idle: [],
  };
  progress('warming the code cache (a waiting session that lives past its write)');
  await warmCodeCache(agent, CLI);
  for (let round = 1; round <= RUNS; round++) {
    progress(`round ${round}/${RUNS}: node -e 0, floors, ${ITERATIONS} iterations quiet and with a stream`);
    raw.baseline.push(...nodeBaseline(env, 3));
    if (HAS_SCRIPT) raw.baselineTerminal.push(...nodeBaseline(env, 3, { terminal: true }));
    for (let i = 0; i < 3; i++) raw.worktreeAdd.push(measureWorktreeAdd(agent));
    raw.floorQuiet.push(await measureFloor(agent, false));
    raw.quiet.push(await measureSession(agent, CLI, { stream: false, label: 'quiet', resume: true }));
    raw.floorStream.push(await measureFloor(agent, true));
    raw.stream.push(await measureSession(agent, CLI, { stream: true, label: 'stream' }));
    progress(`round ${round}/${RUNS}: ${HISTORY_LINES.toLocaleString('en')} history lines; 3 × 50 MB stream; resume`);
    raw.history.push(await measureLongHistory(agent, CLI));
    raw.big.push(await measureSession(agent, CLI, { stream: true, bytes: BIG_BYTES, iterations: 3, label: 'big' }));
    raw.resume.push(await measureResume(agent, CLI));
    raw.resumeServe.push(await measureResume(agent, CLI, { via: 'dashboard' }));
  }
  progress('2 × 1 GB stream (once)');
  raw.huge.push(await measureSession(agent, CLI, { stream: true, bytes: HUGE_BYTES, iterations: 2, label: 'huge' }));
  progress('git calls of a new session');
  const git = await countGitCalls(agent, CLI);
  for (const count of IDLE_COUNTS) {
    progress(`${count} idle waiting session${count === 1 ? '' : 's'}`);
    raw.idle.push(await measureIdle(agent, CLI, count));
  }

  const m = (list, key) => stats(list.map((r) => r[key]));
  const baseline = stats(raw.baseline);
  const baselineTerminal = HAS_SCRIPT ? stats(raw.baselineTerminal) : undefined;
  const worktreeAdd = stats(raw.worktreeAdd);
  const floorQuiet = m(raw.floorQuiet, 'gapMs');
  const floorStream = m(raw.floorStream, 'gapMs');
  const floorRss = m(raw.floorQuiet, 'peakRssMb');
  const quiet = m(raw.quiet, 'gapMs');
  const stream = m(raw.stream, 'gapMs');
  const history = m(raw.history, 'gapMs');
  const startNew = m(raw.quiet, 'startupMs');
  const startResumed = m(raw.quiet, 'resumedStartupMs');
  const startShown = m(raw.quiet, 'shownStartupMs');
  const startTerminal = m(raw.quiet, 'terminalStartupMs');
  const startFloor = m(raw.quiet, 'floorStartupMs');
  const rssQuiet = m(raw.stream, 'peakRssMb');
  const rssBig = m(raw.big, 'peakRssMb');
  const rssHuge = m(raw.huge, 'peakRssMb');
  const printMs = m(raw.big, 'agentMs');
  const resume = m(raw.resume, 'resumeMs');
  const resumeServe = m(raw.resumeServe, 'resumeMs');

  const rows = [];
  const row = (figure, value, floor, ratio, target, pass) => rows.push([figure, value, floor, ratio, target, pass]);
  const over = (s, f) => s.median - f.median;
  row(
    'per iteration, default settings',
    `${fmt(over(quiet, floorQuiet), 2)} ms above`,
    `floor gap ${fmt(floorQuiet.median, 2)} ms (samocode ${fmt(quiet.median, 2)})`,
    `×${fmt(quiet.median / floorQuiet.median, 2)}`,
    `≤ ${TARGETS.overheadMs} ms above`,
    over(quiet, floorQuiet) <= TARGETS.overheadMs,
  );
  row(
    'per iteration, claude stream parsed',
    `${fmt(over(stream, floorStream), 2)} ms above`,
    `floor gap ${fmt(floorStream.median, 2)} ms (samocode ${fmt(stream.median, 2)})`,
    `×${fmt(stream.median / floorStream.median, 2)}`,
    `≤ ${TARGETS.overheadMs} ms above`,
    over(stream, floorStream) <= TARGETS.overheadMs,
  );
  /** A start's row: its median against `node -e 0`'s, with ×1.3 as the target (the floor is a reference: none). */
  const startRow = (figure, s, { reference = false, against = baseline, what = 'node -e 0' } = {}) =>
    row(
      figure,
      `${fmt(s.median, 0)} ms`,
      `${what} ${fmt(against.median, 0)} ms`,
      `×${fmt(s.median / against.median, 2)}`,
      reference ? 'floor (bench/start-floor.cjs)' : `≤ ×${TARGETS.startupRatio}`,
      reference ? undefined : s.median / against.median <= TARGETS.startupRatio,
    );
  const gitCalls = `${git.beforeSpawn} git call${git.beforeSpawn === 1 ? '' : 's'}`;
  startRow(`start → first spawn, new session (${gitCalls})`, startNew);
  startRow('start → first spawn, resumed session', startResumed);
  startRow('start → first spawn, resumed, console lines shown', startShown);
  // Both under script(1): the terminal's start against node -e 0 started the same way.
  if (HAS_SCRIPT)
    startRow('start → first spawn, resumed, on a terminal', startTerminal, {
      against: baselineTerminal,
      what: 'node -e 0 under script',
    });
  startRow('start → first spawn, the least a start does', startFloor, { reference: true });
  row(
    'git worktree add alone (a new session waits)',
    `${fmt(worktreeAdd.median, 1)} ms`,
    `new start less it ${fmt(startNew.median - worktreeAdd.median, 0)} ms`,
    `×${fmt((startNew.median - worktreeAdd.median) / baseline.median, 2)}`,
    'reference (4 git processes)',
    undefined,
  );
  const rssRow = (figure, s, target) =>
    row(
      figure,
      `${fmt(s.median)} MB`,
      `floor loop ${fmt(floorRss.median)} MB`,
      `×${fmt(s.median / floorRss.median, 2)}`,
      `≤ ${target} MB`,
      s.median <= target,
    );
  rssRow('peak RSS, quiet session (stream parsed)', rssQuiet, TARGETS.quietRssMb);
  rssRow('peak RSS, 50 MB stream-json/iteration', rssBig, TARGETS.streamRssMb);
  rssRow('peak RSS, 1 GB stream-json/iteration', rssHuge, TARGETS.streamRssMb);
  row(
    `per iteration, ${HISTORY_LINES / 1000}k history lines`,
    `${fmt(history.median, 2)} ms gap`,
    `empty history ${fmt(quiet.median, 2)} ms`,
    `×${fmt(history.median / quiet.median, 2)}`,
    `≤ ×${TARGETS.flatRatio}`,
    history.median / quiet.median <= TARGETS.flatRatio,
  );
  row(
    '50 MB through the agent stdout',
    `${fmt(printMs.median, 0)} ms`,
    '—',
    '—',
    `≤ ${TARGETS.printMs} ms`,
    printMs.median <= TARGETS.printMs,
  );
  row(
    'answer saved → next spawn',
    `${fmt(resume.median, 0)} ms`,
    '—',
    '—',
    `≤ ${TARGETS.resumeMs} ms`,
    resume.median <= TARGETS.resumeMs,
  );
  row(
    'answer POSTed to the dashboard → next spawn',
    `${fmt(resumeServe.median, 0)} ms`,
    '—',
    '—',
    `≤ ${TARGETS.resumeMs} ms`,
    resumeServe.median <= TARGETS.resumeMs,
  );
  for (const idle of raw.idle)
    row(
      `${idle.count} idle waiting session${idle.count === 1 ? '' : 's'} (a process each)`,
      `${fmt(idle.rssMb, 0)} MB, ${fmt(idle.cpuPercent, 1)}% CPU`,
      `${fmt(idle.rssMb / idle.count, 1)} MB each`,
      '—',
      'baseline (issue 13)',
      undefined,
    );

  const header = ['figure', 'samocode (median)', 'floor / reference (same run)', 'ratio', 'target', ''];
  const mark = (pass) => (pass === undefined ? '' : pass ? 'PASS' : 'MISS');
  const cells = rows.map((r) => [...r.slice(0, 5), mark(r[5])]);
  const out = [''];
  out.push(...formatTable(header, cells), '');
  out.push(
    `spreads: floor gap ${spread(floorQuiet, 2)} ms, default ${spread(quiet, 2)}, stream ${spread(stream, 2)}, ` +
      `new start ${spread(startNew, 0)}, resumed start ${spread(startResumed, 0)}, shown ${spread(startShown, 0)}, start-up floor ${spread(startFloor, 0)}, ` +
      `git worktree add ${spread(worktreeAdd, 1)}, ` +
      `node -e 0 ${spread(baseline, 0)} ms`,
  );
  out.push(`git calls of a new session before its first spawn (${git.total} in its run): ${git.commands.join(' | ')}`);
  const judged = rows.filter((r) => r[5] !== undefined);
  out.push(
    `${judged.filter((r) => r[5]).length}/${judged.length} targets met; took ${fmt((now() - started) / 1000, 0)} s; ` +
      `load average ${load()} at end${stealSince(ticksAtStart)}` +
      (opts.keep ? `; kept: ${projects.join(' ')}` : ''),
  );
  console.log(out.join('\n'));
  if (opts.json)
    console.log(
      JSON.stringify({ runs: RUNS, iterations: ITERATIONS, node: process.version, agent, git, raw }, null, 1),
    );
  cleanupAll();
}

// ───────────────────────────── A/B mode (--against) ─────────────────────────────

/** The temporary worktree of --against REF, while there is one. */
let checkout;

/** One build's share of an A/B round: the figures a code change moves, each with its floor or reference. */
async function measureBuild(agent, cli, env) {
  const baseline = nodeBaseline(env, 3);
  const floorQuiet = await measureFloor(agent, false);
  const quiet = await measureSession(agent, cli, { stream: false, label: 'quiet', resume: true });
  const floorStream = await measureFloor(agent, true);
  const stream = await measureSession(agent, cli, { stream: true, label: 'stream' });
  return { baseline, floorQuiet, quiet, floorStream, stream };
}

const AB_FIGURES = [
  ['per iteration, default settings (above its floor)', 2, (f) => f.quiet.gapMs - f.floorQuiet.gapMs],
  ['per iteration, claude stream parsed (above its floor)', 2, (f) => f.stream.gapMs - f.floorStream.gapMs],
  ['start → first spawn, new session', 0, (f) => f.quiet.startupMs],
  ['start → first spawn, resumed session', 0, (f) => f.quiet.resumedStartupMs],
  ['start → first spawn, resumed, console lines shown', 0, (f) => f.quiet.shownStartupMs],
  ['start → first spawn, resumed, on a terminal', 0, (f) => f.quiet.terminalStartupMs],
  // The same program in both slots: their change and count are what noise looks like in this run.
  ['floor gap, quiet (the same loop for both)', 2, (f) => f.floorQuiet.gapMs],
  ['floor gap, stream (the same loop for both)', 2, (f) => f.floorStream.gapMs],
  ['start-up floor (the same for both)', 0, (f) => f.quiet.floorStartupMs],
  ['node -e 0 (the same for both)', 0, (f) => median(f.baseline)],
];

async function mainAgainst(agent, env, started, ticksAtStart) {
  const { ref, commit } = AGAINST;
  const head = describeHead(ROOT);
  console.log(
    `samocode bench, A/B: ${ref} (${commit.slice(0, 7)}) against this checkout (${head}); ` +
      `${RUNS} rounds of both builds, ABBA order; ${ITERATIONS} iterations per overhead session\n` +
      `node ${process.version}, ${cpus().length} CPUs, load average ${load()} at start; fake agent: ${agent.kind}`,
  );
  checkout = join(scratch, `against-${commit.slice(0, 12)}`);
  let other;
  try {
    other = addWorktree(ROOT, commit, checkout);
    if (other.lockDiffers)
      console.log(
        `note: ${ref}'s package-lock.json differs from this checkout's; both builds use this checkout's node_modules, ` +
          'so the change includes what the dependencies differ by',
      );
    progress(`building ${ref} in ${checkout}`);
    await buildAt(checkout);
  } catch (error) {
    throw new BenchError(`--against ${ref}: ${error.message}`);
  }
  const builds = [
    { name: ref, cli: other.cli },
    { name: 'this checkout', cli: CLI },
  ];
  for (const build of builds) {
    progress(`warming the code cache of ${build.name}'s build`);
    await warmCodeCache(agent, build.cli);
  }
  const rounds = [];
  for (let round = 0; round < RUNS; round++) {
    // AB, BA, AB, …: each build goes first as often as second, so a drift of the machine's load hits both alike.
    const order = round % 2 ? [1, 0] : [0, 1];
    progress(`round ${round + 1}/${RUNS}: ${order.map((i) => builds[i].name).join(', then ')}`);
    const figures = [];
    for (const i of order) figures[i] = await measureBuild(agent, builds[i].cli, env);
    rounds.push({ first: builds[order[0]].name, ref: figures[0], checkout: figures[1] });
  }

  const signed = (value, digits) => `${value > 0 ? '+' : ''}${fmt(value, digits)}`;
  const cells = AB_FIGURES.map(([figure, digits, of]) => {
    const [a, b] = [rounds.map((r) => of(r.ref)), rounds.map((r) => of(r.checkout))];
    const change = median(b) - median(a);
    return [
      figure,
      `${fmt(median(a), digits)} ms`,
      `${fmt(median(b), digits)} ms`,
      `${signed(change, digits)} ms (${signed((change / median(a)) * 100, 1)}%)`,
      `${b.filter((value, i) => value < a[i]).length}/${RUNS} rounds lower`,
    ];
  });
  const header = ['figure', `${ref} (median)`, 'this checkout (median)', 'change', 'paired'];
  const rare = signTestThreshold(RUNS);
  const out = ['', ...formatTable(header, cells), ''];
  out.push(
    `change: this checkout − ${ref}; rounds lower: the rounds in which this checkout's figure was below ${ref}'s.`,
    'Noise splits the rounds about evenly (as in the last four rows); ' +
      (rare
        ? `noise alone gives ${rare}/${RUNS}${rare < RUNS ? ' or more' : ''} either way less than 1 time in 20 (sign test).`
        : `with ${RUNS} rounds even ${RUNS}/${RUNS} is not that rare (sign test): --runs 6 or more for that.`),
  );
  out.push(
    `took ${fmt((now() - started) / 1000, 0)} s; load average ${load()} at end${stealSince(ticksAtStart)}` +
      (opts.keep ? `; kept: ${projects.join(' ')}` : ''),
  );
  console.log(out.join('\n'));
  if (opts.json)
    console.log(
      JSON.stringify(
        {
          against: ref,
          commit,
          head,
          runs: RUNS,
          iterations: ITERATIONS,
          node: process.version,
          agent,
          rounds,
        },
        null,
        1,
      ),
    );
  cleanupAll();
}

/** The fewest of n paired rounds one way that a fair coin per round reaches less than 1 time in 20 (either way). */
function signTestThreshold(n) {
  let ways = 0; // ways to get k or more of n, for the k of the loop
  let choose = 1; // n choose k
  for (let k = n; k > n / 2; k--) {
    ways += choose;
    if ((2 * ways) / 2 ** n > 0.05) return k < n ? k + 1 : undefined;
    choose = (choose * k) / (n - k + 1);
  }
  return undefined;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\nbench: ${sig}; removing temp projects${checkout ? ` and the worktree of ${AGAINST.ref}` : ''}`);
    cleanupAll();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

function cleanupAll() {
  // Even with --keep: a worktree left behind stays registered in the repository.
  if (checkout) removeWorktree(ROOT, checkout);
  checkout = undefined;
  if (opts.keep) return;
  for (const root of [...projects].reverse()) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}

main().catch((error) => {
  cleanupAll();
  if (error instanceof BenchError) {
    console.error(`\nbench: a run failed unexpectedly (not a missed target):\n${error.message}`);
    if (!opts.keep) console.error('(the temp projects have been removed; run again with --keep to look at one)');
  } else {
    console.error(`\nbench: internal error\n${error?.stack ?? error}`);
  }
  process.exit(1);
});
