#!/usr/bin/env node
// samocode benchmark: figures, not a test. Runs the real CLI (dist/cli.js) on the built-in scripted agent in fresh
// throwaway projects and prints medians for
//   1. start → first spawn   (CLI spawned by us → the agent process of iteration 1 starts), against `node -e 0`
//   2. orchestrator overhead per iteration, empty history (the same runs as 1: each a new session)
//   3. the same with 100,000 pre-existing history lines (should stay flat)
//   4. peak RSS of the orchestrator while the agent prints 50 MB per iteration, and how fast the agent got it out
// then a summary table against the targets and the Python original's figures. A missed target never fails the
// run; only an unexpected failure of a run (wrong exit code, missing history, …) exits non-zero.
//
// usage: npm run bench [-- --runs N | --quick …]      (npm run bench builds first; `node bench/run.mjs …` does not)
//   --runs N          runs per figure (default 5, at least 3); each run in its own temp project
//   --iterations N    iterations per overhead session (default 30)
//   --quick           --runs 3 --iterations 10
//   --keep            keep the temp projects (their paths are printed) to look at session.log, _logs/ …
//   --json            also print all raw figures as one JSON object at the end
//   --no-extra-ca     drop NODE_EXTRA_CA_CERTS from the children's environment (Node 20 loads that bundle eagerly
//                     at every process start; see the note the bench prints when it is set)
// The CLI gets a clean environment: this shell's minus SAMOCODE_*, TELEGRAM_*, CLAUDE_*, CODEX_*, VITEST*,
// NODE_OPTIONS and npm_*, plus git identity, a private HOME, SAMOCODE_RETRY_DELAY=0, SAMOCODE_PHASE_LIMITS and
// NO_COLOR=1; it runs with --quiet. Needs Linux (/proc) for the RSS figure.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import matter from 'gray-matter';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const SESSION = 'bench';
const HISTORY_FILE = '_signal_history.jsonl';
const OVERVIEW_FILE = '_overview.md';
const TIMING_FILE = '_bench_timing.jsonl';
const EXIT_BLOCKED = 4;
const HISTORY_LINES = 100_000;
const LOG_MAX_BYTES = 20 * 1024 * 1024;
const PRINT_BYTES = 50 * 1024 * 1024; // 52428800
const MiB = 1024 * 1024;
const RUN_TIMEOUT_MS = 180_000;

/** Targets and the Python original's figures on these machines. */
const TARGETS = {
  overheadMs: 5,
  startupMs: 300,
  flatRatio: 1.1,
  peakRssMb: 80,
  printMs: 100,
  resumeMs: 500,
};

// ───────────────────────────── options ─────────────────────────────

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
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  console.error(
    `bench: ${error.message}\nusage: node bench/run.mjs [--runs N] [--iterations N] [--quick] [--keep] [--json] [--no-extra-ca]`,
  );
  process.exit(2);
}
if (opts.help) {
  console.log(
    'usage: node bench/run.mjs [--runs N] [--iterations N] [--quick] [--keep] [--json] [--no-extra-ca]\n  (npm run bench builds first, then runs this)',
  );
  process.exit(0);
}
const RUNS = positiveInt(opts.runs, opts.quick ? 3 : 5, '--runs');
const ITERATIONS = positiveInt(opts.iterations, opts.quick ? 10 : 30, '--iterations');
if (RUNS < 3) fail('--runs must be at least 3 (figures are medians of ≥3 runs)');
if (ITERATIONS < 2) fail('--iterations must be at least 2');

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

/** Wall clock in ms since the epoch, sub-ms precise: comparable with the agent's `performance.timeOrigin`. */
const now = () => performance.timeOrigin + performance.now();

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

function progress(text) {
  process.stderr.write(`  … ${text}\n`);
}

/** The CLI children's environment: the developer's shell minus everything samocode would read from it. */
function childEnvironment(home) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(SAMOCODE_|TELEGRAM_|CLAUDE_|CODEX_|VITEST|NODE_OPTIONS$|npm_)/.test(key)) continue;
    if (opts['no-extra-ca'] && key === 'NODE_EXTRA_CA_CERTS') continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@example.invalid',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@example.invalid',
    SAMOCODE_RETRY_DELAY: '0',
    SAMOCODE_PHASE_LIMITS: 'investigation=100000',
    NO_COLOR: '1',
  };
}

const projects = [];

/** A throwaway project: git repo with one commit, `.samocode`, a private HOME. */
function createProject(label) {
  const root = mkdtempSync(join(tmpdir(), `samocode-bench-${label}-`));
  projects.push(root);
  const repo = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(repo);
  mkdirSync(home);
  const env = childEnvironment(home);
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
      'PROVIDER=script',
      'SAMOCODE_RETRY_DELAY=0',
      '',
    ].join('\n'),
  );
  return {
    root,
    env,
    configFile,
    scenario(steps, name = 'scenario.json') {
      const file = join(root, name);
      writeFileSync(file, JSON.stringify({ steps }));
      return file;
    },
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

function readRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return hwm ? Number(hwm[1]) : undefined;
  } catch {
    return undefined; // gone, or no /proc
  }
}

/**
 * Run the CLI once. `spawnAt` is taken just before spawn(), `exitAt` when the process exits. The orchestrator's
 * peak RSS (VmHWM, the kernel's high-water mark) is polled every `pollMs` while it runs.
 */
function runCli(project, args, { expectExit, pollMs = 10, what, onStderr }) {
  const fullArgs = [CLI, ...args, '--quiet'];
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let exitAt;
    let peakKb = 0;
    const spawnAt = now();
    const child = spawn(process.execPath, fullArgs, {
      cwd: project.root,
      env: project.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const poll = setInterval(() => {
      const kb = readRss(child.pid);
      if (kb !== undefined && kb > peakKb) peakKb = kb;
    }, pollMs);
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
      if (code !== expectExit) {
        reject(
          new BenchError(
            `${what}: the CLI exited with ${code ?? signal}${signal === 'SIGKILL' ? ` (killed after ${RUN_TIMEOUT_MS / 1000} s)` : ''}, expected ${expectExit}\n` +
              `  command: node ${fullArgs.join(' ')}\n  cwd: ${project.root}\n` +
              `--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}\n${sessionLogTail(project)}`,
          ),
        );
        return;
      }
      resolve(result);
    });
  });
}

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

function readTimings(sessionDir, expected, what) {
  const file = join(sessionDir, TIMING_FILE);
  if (!existsSync(file))
    throw new BenchError(
      `${what}: the agent wrote no ${TIMING_FILE} (is dist/ older than the timingFile step field? run npm run build)`,
    );
  const timings = readJsonLines(file);
  if (timings.length !== expected)
    throw new BenchError(
      `${what}: ${TIMING_FILE} has ${timings.length} lines, expected ${expected} (one per agent start; a retry would add one)`,
    );
  return timings;
}

/** The iteration entries of this run (seq > fromSeq), checked: 1..n, one attempt each, the last one blocked. */
function runEntries(sessionDir, fromSeq, n, what) {
  const entries = readJsonLines(join(sessionDir, HISTORY_FILE)).filter(
    (e) => e.seq > fromSeq && e.event === 'iteration',
  );
  const problems = [];
  if (entries.length !== n) problems.push(`${entries.length} iteration entries, expected ${n}`);
  entries.forEach((e, i) => {
    if (e.iteration !== i + 1) problems.push(`entry seq ${e.seq} has iteration ${e.iteration}, expected ${i + 1}`);
    if (e.run?.attempts !== 1) problems.push(`iteration ${e.iteration} took ${e.run?.attempts} attempts`);
    if (e.validation !== 'ok') problems.push(`iteration ${e.iteration}: ${e.validation} ${e.problem ?? ''}`);
    if (typeof e.run?.durationMs !== 'number') problems.push(`iteration ${e.iteration} has no run.durationMs`);
  });
  if (entries.at(-1)?.statusAfter !== 'blocked')
    problems.push(`the last entry is ${entries.at(-1)?.statusAfter}, expected blocked`);
  if (problems.length) throw new BenchError(`${what}: unexpected history: ${problems.slice(0, 5).join('; ')}`);
  return entries;
}

/** The run left the state where the history says it should be: blocked, every entry applied. */
function checkFinalState(sessionDir, historySeq, what) {
  const { data } = matter(readFileSync(join(sessionDir, OVERVIEW_FILE), 'utf8'), { language: 'yaml' });
  if (data.status !== 'blocked' || data.historySeq !== historySeq) {
    throw new BenchError(
      `${what}: ${OVERVIEW_FILE} ends with status ${data.status}, historySeq ${data.historySeq}; expected blocked, ${historySeq}`,
    );
  }
}

// ───────────────────────────── scenarios ─────────────────────────────

const STAY = { status: 'continue', phase: 'investigation', summary: 'x' };

/** n iterations that stay in investigation; the last one blocks so the run ends (exit 4). */
function stayingSteps(n, extra = {}) {
  return Array.from({ length: n }, (_, i) => ({
    signal: i === n - 1 ? { status: 'blocked', reason: 'bench end' } : STAY,
    timingFile: TIMING_FILE,
    // A change in the worktree each iteration: real progress, so stall detection (which runs, and is measured) never fires.
    files: { 'bench.txt': `${i}\n` },
    ...extra,
  }));
}

function sessionArgs(project, scenario, { task = true } = {}) {
  return [
    '--config',
    project.configFile,
    '--session',
    SESSION,
    ...(task ? ['--task', 'bench task'] : []),
    '--script',
    scenario,
  ];
}

// ───────────────────────────── measurements ─────────────────────────────

/** node -e 0 with the same environment the CLI gets: what any Node process pays before running a line. */
function nodeBaseline(env, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = now();
    const result = spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    times.push(now() - start);
    if (result.status !== 0) throw new BenchError(`node -e 0 exited with ${result.status ?? result.signal}`);
  }
  return times;
}

/**
 * Overhead per iteration of a finished run: (agent start of iteration 1 → CLI exit − Σ durationMs) / N.
 * durationMs is the orchestrator's own measure of a run (spawn → exit, rounded to 1 ms); iteration 1's includes the
 * few ms between spawn() and the agent's process start, which lie before the window, so this reads slightly low.
 */
function overheadOf(result, timings, entries) {
  const window = result.exitAt - timings[0].startedAt;
  const agentMs = entries.reduce((sum, e) => sum + e.run.durationMs, 0);
  return {
    overheadMs: (window - agentMs) / entries.length,
    agentMedianMs: median(entries.map((e) => e.run.durationMs)),
    startupMs: timings[0].startedAt - result.spawnAt,
    peakRssMb: result.peakKb / 1024,
  };
}

/**
 * 1. + 2. N iterations in a new session with an empty history. Its first iteration also gives start → first spawn:
 * from just before spawning the CLI to the start of the agent process of iteration 1 (a new session: config,
 * worktree creation, `_overview.md`, lock, logger, prompt).
 */
async function measureOverhead(round) {
  const what = `overhead run ${round} (empty history)`;
  const project = createProject('overhead');
  try {
    const scenario = project.scenario(stayingSteps(ITERATIONS));
    const result = await runCli(project, sessionArgs(project, scenario), {
      expectExit: EXIT_BLOCKED,
      pollMs: 25,
      what,
    });
    const sessionDir = project.sessionDir();
    checkFinalState(sessionDir, ITERATIONS, what);
    return overheadOf(result, readTimings(sessionDir, ITERATIONS, what), runEntries(sessionDir, 0, ITERATIONS, what));
  } finally {
    removeProject(project.root);
  }
}

/** 3. The same N iterations, resumed in a session whose history already holds 100,000 lines. */
async function measureOverheadLongHistory(round) {
  const what = `overhead run ${round} (${HISTORY_LINES.toLocaleString('en')} history lines)`;
  const project = createProject('history');
  try {
    // A real session first, so the history line and the front matter are the orchestrator's own.
    const setup = project.scenario([{ signal: { status: 'blocked', reason: 'setup' } }], 'setup.json');
    await runCli(project, sessionArgs(project, setup), { expectExit: EXIT_BLOCKED, what: `${what}: setup` });
    const sessionDir = project.sessionDir();
    const [template] = runEntries(sessionDir, 0, 1, `${what}: setup`);
    const prepareStart = now();
    const lines = new Array(HISTORY_LINES);
    for (let i = 0; i < HISTORY_LINES; i++) lines[i] = JSON.stringify({ ...template, seq: i + 1, iteration: i + 1 });
    const historyText = `${lines.join('\n')}\n`;
    writeFileSync(join(sessionDir, HISTORY_FILE), historyText);

    // historySeq says all 100,000 entries are applied; iterations restart at 0 so the scenario's steps are 1..N.
    const overviewFile = join(sessionDir, OVERVIEW_FILE);
    const parsed = matter(readFileSync(overviewFile, 'utf8'), { language: 'yaml' });
    if (parsed.data.status !== 'blocked')
      throw new BenchError(`${what}: setup left status ${parsed.data.status}, expected blocked`);
    const data = { ...parsed.data, historySeq: HISTORY_LINES, iterations: 0, phaseIterations: 0 };
    writeFileSync(overviewFile, matter.stringify('', data).replace(/\n\n$/, '\n') + parsed.content);
    const prepareMs = now() - prepareStart;

    // A plain re-run resumes the blocked session (one `resumed` entry, seq 100,001), then runs iterations 1..N.
    const scenario = project.scenario(stayingSteps(ITERATIONS));
    const result = await runCli(project, sessionArgs(project, scenario, { task: false }), {
      expectExit: EXIT_BLOCKED,
      pollMs: 25,
      what,
    });
    if (
      /ahead of|recovered history entry/.test(result.stderr + readFileSync(join(sessionDir, 'session.log'), 'utf8'))
    ) {
      throw new BenchError(
        `${what}: the orchestrator did not take the prepared history as applied:\n${tail(result.stderr)}`,
      );
    }
    checkFinalState(sessionDir, HISTORY_LINES + 1 + ITERATIONS, what);
    const entries = runEntries(sessionDir, HISTORY_LINES, ITERATIONS, what);
    const figures = overheadOf(result, readTimings(sessionDir, ITERATIONS, what), entries);
    return {
      ...figures,
      historyMb: Buffer.byteLength(historyText) / MiB,
      lineBytes: Buffer.byteLength(lines[0]) + 1,
      prepareMs,
    };
  } finally {
    removeProject(project.root);
  }
}

/** 4. Three iterations, each agent printing 50 MB to its stdout; the orchestrator's VmHWM polled every 10 ms. */
async function measureOutput(round) {
  const what = `output run ${round}`;
  const project = createProject('rss');
  try {
    const scenario = project.scenario(stayingSteps(3, { stdoutBytes: PRINT_BYTES }));
    const result = await runCli(project, sessionArgs(project, scenario), {
      expectExit: EXIT_BLOCKED,
      pollMs: 10,
      what,
    });
    const sessionDir = project.sessionDir();
    const timings = readTimings(sessionDir, 3, what);
    const entries = runEntries(sessionDir, 0, 3, what);
    // The agent printed PRINT_BYTES; the log keeps the head and tail within SAMOCODE_LOG_MAX_MB (20 by default).
    for (const entry of entries) {
      const file = join(sessionDir, entry.run.log);
      const size = statSync(file).size;
      const cut = /"type":"samocode_cut","cutBytes":(\d+)/.exec(readFileSync(file, 'utf8'));
      if (size > LOG_MAX_BYTES || !cut)
        throw new BenchError(
          `${what}: ${entry.run.log} holds ${size} bytes${cut ? '' : ' and no cut note'}, expected at most ${LOG_MAX_BYTES}`,
        );
      if (Number(cut[1]) + size < PRINT_BYTES)
        throw new BenchError(
          `${what}: ${entry.run.log} keeps ${size} bytes and notes ${cut[1]} cut: less than the ${PRINT_BYTES} printed`,
        );
    }
    if (result.peakKb === 0)
      throw new BenchError(`${what}: could not read /proc/${result.pid}/status (VmHWM); this figure needs Linux`);
    return {
      peakRssMb: result.peakKb / 1024,
      printMs: median(timings.map((t) => t.printMs)),
      agentMedianMs: median(entries.map((e) => e.run.durationMs)),
    };
  } finally {
    removeProject(project.root);
  }
}

/**
 * 5. Resume latency: a session waits for Q&A answers in the same process; the answer is saved into `_qa.md`; how
 * long until the next agent process starts (the watcher notices the settled file, the answer is judged and recorded,
 * the agent is spawned). Measured from just before the save to the agent's own process start.
 */
async function measureResume(round) {
  const what = `resume run ${round}`;
  const project = createProject('resume');
  try {
    const qa = '### Q1: ok?\n- A) yes\n**Suggestion:** A\n**Answer:** _waiting_\n';
    const scenario = project.scenario([
      {
        sessionFiles: { '_qa.md': qa },
        signal: { status: 'waiting', for: 'qa_answers', summary: 'asked' },
        timingFile: TIMING_FILE,
      },
      { signal: { status: 'blocked', reason: 'bench end' }, timingFile: TIMING_FILE },
    ]);
    let saveAt;
    const result = await runCli(project, sessionArgs(project, scenario), {
      expectExit: EXIT_BLOCKED,
      pollMs: 50,
      what,
      onStderr: (text, child) => {
        if (saveAt !== undefined || !text.includes('waiting for you:')) return;
        // Give the watcher time to be ready, so the figure is the watcher's latency, not a race with its start.
        setTimeout(() => {
          const file = join(project.sessionDir(), '_qa.md');
          const answered = readFileSync(file, 'utf8').replace('_waiting_', 'A');
          saveAt = now();
          writeFileSync(file, answered);
        }, 500);
        void child;
      },
    });
    if (saveAt === undefined)
      throw new BenchError(`${what}: the orchestrator never said it was waiting\n${tail(result.stderr)}`);
    const timings = readTimings(project.sessionDir(), 2, what);
    return { resumeMs: timings[1].startedAt - saveAt };
  } finally {
    removeProject(project.root);
  }
}

// ───────────────────────────── main ─────────────────────────────

async function main() {
  if (!existsSync(CLI)) fail(`${CLI} does not exist: run npm run build (npm run bench does it for you)`);
  const started = now();
  const env = childEnvironment(tmpdir());
  console.log(
    `samocode bench: ${RUNS} runs per figure, median [min–max]; ${ITERATIONS} iterations per overhead session\n` +
      `node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start, temp dir ${tmpdir()}`,
  );

  // Rounds interleave the measurements so that a noisy neighbour hurts all figures alike, not one of them.
  const raw = { baseline: [], baselineNoCa: [], overhead: [], history: [], output: [], resume: [] };
  const caSet = env.NODE_EXTRA_CA_CERTS !== undefined;
  for (let round = 1; round <= RUNS; round++) {
    progress(`round ${round}/${RUNS}: node -e 0 baseline`);
    raw.baseline.push(...nodeBaseline(env, 3));
    if (caSet) {
      const { NODE_EXTRA_CA_CERTS: _, ...noCa } = env;
      raw.baselineNoCa.push(...nodeBaseline(noCa, 3));
    }
    progress(`round ${round}/${RUNS}: new session, ${ITERATIONS} iterations (start → first spawn, overhead)`);
    raw.overhead.push(await measureOverhead(round));
    progress(
      `round ${round}/${RUNS}: ${ITERATIONS} iterations after ${HISTORY_LINES.toLocaleString('en')} history lines`,
    );
    raw.history.push(await measureOverheadLongHistory(round));
    progress(`round ${round}/${RUNS}: 3 iterations × ${PRINT_BYTES / MiB} MB of agent output`);
    raw.output.push(await measureOutput(round));
    progress(`round ${round}/${RUNS}: resume after an answer is saved`);
    raw.resume.push(await measureResume(round));
  }

  const baseline = stats(raw.baseline);
  const startup = stats(raw.overhead.map((r) => r.startupMs));
  const startupOwn = startup.median - baseline.median;
  const overhead = stats(raw.overhead.map((r) => r.overheadMs));
  const agentMs = stats(raw.overhead.map((r) => r.agentMedianMs));
  const overheadRss = stats(raw.overhead.map((r) => r.peakRssMb));
  const history = stats(raw.history.map((r) => r.overheadMs));
  const historyAgentMs = stats(raw.history.map((r) => r.agentMedianMs));
  const resumeStartup = stats(raw.history.map((r) => r.startupMs));
  const ratio = history.median / overhead.median;
  const pairedRatios = stats(raw.history.map((r, i) => r.overheadMs / raw.overhead[i].overheadMs));
  const peakRss = stats(raw.output.map((r) => r.peakRssMb));
  const printMs = stats(raw.output.map((r) => r.printMs));
  const throughput = PRINT_BYTES / MiB / (printMs.median / 1000);
  const outputAgentMs = stats(raw.output.map((r) => r.agentMedianMs));
  const resume = stats(raw.resume.map((r) => r.resumeMs));

  const out = [];
  out.push('');
  out.push(
    `baseline  node -e 0 (spawnSync, same env)           ${fmt(baseline.median)} ms ${spread(baseline)}  (${baseline.values.length} spawns)`,
  );
  if (caSet) {
    const noCa = stats(raw.baselineNoCa);
    out.push(
      `          … without NODE_EXTRA_CA_CERTS               ${fmt(noCa.median)} ms ${spread(noCa)}: this environment sets NODE_EXTRA_CA_CERTS, which Node 20 loads at` +
        `\n            every process start (${fmt(baseline.median - noCa.median)} ms each, paid by the CLI and by every agent spawn; not the orchestrator's doing)`,
    );
  }
  out.push(`1. start → first spawn (new session)                 ${fmt(startup.median)} ms ${spread(startup)}`);
  out.push(`   minus node -e 0: the orchestrator's own startup  ${fmt(startupOwn)} ms`);
  out.push(`2. overhead per iteration, empty history            ${fmt(overhead.median, 2)} ms ${spread(overhead, 2)}`);
  out.push(
    `   agent's own durationMs (median of medians)        ${fmt(agentMs.median)} ms ${spread(agentMs)}; orchestrator peak RSS ${fmt(overheadRss.median)} MB`,
  );
  out.push(
    `3. overhead per iteration, ${HISTORY_LINES.toLocaleString('en')} history lines   ${fmt(history.median, 2)} ms ${spread(history, 2)}`,
  );
  const change = `${ratio >= 1 ? '+' : '−'}${fmt(Math.abs(ratio - 1) * 100, 0)}%`;
  out.push(
    `   ratio to empty history (medians)                 ${fmt(ratio, 2)} (${change}) → ${ratio <= TARGETS.flatRatio ? 'flat: not more than 10% above' : 'NOT flat: more than 10% above'} the empty-history figure` +
      `\n   per-round ratios (same round, paired)            ${fmt(pairedRatios.median, 2)} ${spread(pairedRatios, 2)}  (a figure below 1 is noise, not a speed-up)`,
  );
  out.push(
    `   agent's own durationMs                           ${fmt(historyAgentMs.median)} ms; history file ${fmt(raw.history[0].historyMb)} MB, ~${raw.history[0].lineBytes} B/line`,
  );
  out.push(
    `   start → first spawn when resuming it              ${fmt(resumeStartup.median)} ms ${spread(resumeStartup)} (reads the history tail, writes a resumed entry)`,
  );
  out.push(
    `4. orchestrator peak RSS, 3 × ${PRINT_BYTES / MiB} MB agent output     ${fmt(peakRss.median)} MB ${spread(peakRss)}  (VmHWM, polled every 10 ms)`,
  );
  out.push(
    `   agent printMs for ${PRINT_BYTES / MiB} MB (median)                  ${fmt(printMs.median)} ms ${spread(printMs)} → ${fmt(throughput, 0)} MB/s; agent durationMs ${fmt(outputAgentMs.median)} ms`,
  );
  out.push(
    `5. answer saved in _qa.md → next agent starts       ${fmt(resume.median)} ms ${spread(resume)}  (same process, chokidar; includes the agent's own Node start)`,
  );

  const rows = [
    [
      'overhead per iteration',
      `${fmt(overhead.median, 2)} ms`,
      `≤ ${TARGETS.overheadMs} ms`,
      '~5 ms',
      overhead.median <= TARGETS.overheadMs,
    ],
    [
      'start → first spawn',
      `${fmt(startup.median, 0)} ms`,
      `≤ ${TARGETS.startupMs} ms`,
      '220 ms',
      startup.median <= TARGETS.startupMs,
    ],
    [
      `overhead, ${HISTORY_LINES / 1000}k history lines`,
      `${fmt(history.median, 2)} ms (×${fmt(ratio, 2)})`,
      'flat: ≤ +10% vs empty',
      '480 ms/iteration',
      ratio <= TARGETS.flatRatio,
    ],
    [
      'peak RSS, 50 MB output/iteration',
      `${fmt(peakRss.median, 1)} MB`,
      `≤ ${TARGETS.peakRssMb} MB`,
      '180 MB',
      peakRss.median <= TARGETS.peakRssMb,
    ],
    [
      '50 MB through agent stdout',
      `${fmt(printMs.median, 0)} ms`,
      `≤ ${TARGETS.printMs} ms`,
      '300–530 ms',
      printMs.median <= TARGETS.printMs,
    ],
    [
      'answer saved → next spawn',
      `${fmt(resume.median, 0)} ms`,
      `≤ ${TARGETS.resumeMs} ms`,
      '(restart needed)',
      resume.median <= TARGETS.resumeMs,
    ],
  ];
  const header = ['figure', 'samocode (median)', 'target', 'Python original', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(i === 4 ? 'MISS' : r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  out.push('');
  out.push(line(header));
  out.push(line(widths.map((w) => '─'.repeat(w))));
  for (const row of rows) out.push(line([...row.slice(0, 4), row[4] ? 'PASS' : 'MISS']));
  out.push('');
  out.push(
    `${rows.filter((r) => r[4]).length}/${rows.length} targets met; took ${fmt((now() - started) / 1000, 0)} s; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at end` + (opts.keep ? `; kept: ${projects.join(' ')}` : ''),
  );
  console.log(out.join('\n'));

  if (opts.json) {
    console.log(
      JSON.stringify({ runs: RUNS, iterations: ITERATIONS, node: process.version, cpus: cpus().length, raw }, null, 1),
    );
  }
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\nbench: ${sig}; removing temp projects`);
    cleanupAll();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

function cleanupAll() {
  if (opts.keep) return;
  for (const root of [...projects]) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
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
