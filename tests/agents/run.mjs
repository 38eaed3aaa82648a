#!/usr/bin/env node
// samocode's optional end-to-end suite against the REAL agent CLIs: `npm run test:agents` (builds, then runs this).
//
// What it installs: @anthropic-ai/claude-code and @openai/codex at the versions pinned below (the ones
// shared/reference/agent-clis.md was observed with), into tests/agents/.cli/ (git-ignored, ~640 MB: two native
// binaries), with `npm install --prefix tests/agents/.cli --no-save`, outside the project's dependencies. The install
// is skipped when both are already there at the pinned version. If a pinned version cannot be installed it falls back
// to the newest that installs and says so loudly. The npm registry is the only network it touches (npm's cache for
// this install is kept under tests/agents/.cli/ and removed after it, so the real HOME is not written).
//
// What it checks before the tests: every flag samocode passes to each CLI is listed in `claude --help` /
// `codex exec --help`. The command lines are samocode's own (src/agent/providers.ts and src/config/settings.ts bundled
// on the fly, so the check follows the code), for each setting that changes them (CLAUDE_PERMISSION_MODE,
// CODEX_SANDBOX). Each command line is also run once, with samocode's env, against a 127.0.0.1 server that answers
// 401: a parse error shows at once, and a flag missing from --help (claude's --max-turns is hidden) counts as
// accepted only if that run reached the model API. A rejected flag fails the run with a mismatch report before
// vitest starts.
//
// What the tests prove (tests/agents/*.test.ts, vitest config tests/agents/vitest.config.ts): the real `dist/cli.js`
// drives the real CLIs, started exactly as samocode starts them, against scripted model API servers on 127.0.0.1
// (tests/agents/model-servers/: Anthropic Messages and OpenAI Responses, SSE, scripted tool calls that write
// `_signal.json` at the path the prompt names, scripted HTTP errors, every request recorded):
//   * a session goes investigation → … → done on each CLI, the two waits answered by editing `_qa.md`/`_plan.md`
//     between runs; every iteration exits 0; the implementation commit lands in the session worktree;
//   * a 529 burst is waited out; a 401 blocks the session quickly; an unreachable API blocks it (Codex: at
//     SAMOCODE_TIMEOUT); Claude's turn limit and a Codex run that never ends are handled without a crash and leave no
//     process behind;
//   * 'adapter facts (cost, tokens, classes)': cost/tokens reach the history and `_overview.md` totals, failures are
//     named by class. These depend on the stream-parsing adapters.
// The CLIs only talk to 127.0.0.1: base URL / provider config point at the scripted server, each test has its own
// HOME, CODEX_HOME and TMPDIR (outside the real HOME, removed afterwards), telemetry and non-essential traffic are
// off, and HTTP(S)_PROXY/ALL_PROXY point at a trap on 127.0.0.1 that records (and refuses) any other request; the
// tests assert it saw none.
//
// How long: the first install downloads ~250 MB (about 15 s here); the flag check ~5 s; the suite about 1–2 minutes
// on 2 cores (the CLIs' own retry knobs are set low: CLAUDE_CODE_MAX_RETRIES=2, codex request_max_retries=2,
// stream_max_retries=1; a test that waits for samocode to stop by itself gives up after 45 s).
// Exit code: vitest's; 1 when the flag check fails; 75 when the CLIs cannot be installed from the registry (.ci/run
// reports that as skipped rather than failing). KEEP_OUTPUT=1 keeps the test folders.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI_DIR = join(ROOT, 'tests', 'agents', '.cli');
const PINNED = { '@anthropic-ai/claude-code': '2.1.197', '@openai/codex': '0.169.0' };

function log(message) {
  process.stderr.write(`[test:agents] ${message}\n`);
}

function installedVersion(pkg) {
  try {
    return JSON.parse(readFileSync(join(CLI_DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function npmInstall(specs, cache) {
  const result = spawnSync(
    'npm',
    ['install', '--prefix', CLI_DIR, '--no-save', '--no-audit', '--no-fund', '--cache', cache, ...specs],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    },
  );
  return result.status === 0;
}

/** Install the pinned CLIs unless they are there already; fall back to the newest per package if a pin fails. */
/** The registry could not give us the CLIs: not a samocode failure. Exit code 75 (EX_TEMPFAIL) tells .ci/run so. */
class InstallUnavailable extends Error {}
const EXIT_INSTALL_UNAVAILABLE = 75;

function install() {
  const wanted = Object.entries(PINNED).filter(([pkg, version]) => installedVersion(pkg) !== version);
  const notes = [];
  if (wanted.length === 0) {
    log(
      `CLIs present: ${Object.entries(PINNED)
        .map(([p, v]) => `${p}@${v}`)
        .join(', ')} (install skipped)`,
    );
    return notes;
  }
  mkdirSync(CLI_DIR, { recursive: true });
  const cache = join(CLI_DIR, '.npm-cache');
  const started = Date.now();
  // Whatever else is in .cli stays: npm install --prefix keeps what it does not touch.
  const all = Object.entries(PINNED).map(([pkg, version]) => `${pkg}@${version}`);
  log(`installing ${all.join(' ')} into ${CLI_DIR}`);
  if (!npmInstall(all, cache)) {
    for (const [pkg, version] of Object.entries(PINNED)) {
      if (installedVersion(pkg) === version) continue;
      if (npmInstall([`${pkg}@${version}`], cache)) continue;
      log(`WARNING: ${pkg}@${version} could not be installed; trying the newest`);
      if (!npmInstall([`${pkg}@latest`], cache)) throw new InstallUnavailable(`${pkg} could not be installed at all`);
      notes.push(`${pkg}: pinned ${version} is not installable; using ${installedVersion(pkg)}`);
    }
  }
  rmSync(cache, { recursive: true, force: true });
  log(`install took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const note of notes) log(`NOTE: ${note}`);
  return notes;
}

/**
 * The installed binaries. Claude Code's package puts its native binary in place with a postinstall script; if npm
 * did not run it, bin/claude.exe is a stub and the platform package's binary is used directly.
 */
function binaries(env) {
  const bin = join(CLI_DIR, 'node_modules', '.bin');
  let claude = join(bin, 'claude');
  if (!works(claude, env)) {
    const scope = join(CLI_DIR, 'node_modules', '@anthropic-ai');
    const native = readdirSync(scope)
      .filter((d) => d.startsWith('claude-code-'))
      .map((d) => join(scope, d, 'claude'))
      .find((path) => works(path, env));
    if (!native)
      throw new Error(`${claude} does not run and no platform binary of @anthropic-ai/claude-code does either`);
    log(`note: ${claude} does not run (postinstall not run?); using ${native}`);
    claude = native;
  }
  const codex = join(bin, 'codex');
  if (!works(codex, env)) throw new Error(`${codex} does not run`);
  return { claude, codex };
}

function works(path, env) {
  if (!existsSync(path)) return false;
  const result = spawnSync(path, ['--version'], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return result.status === 0;
}

/**
 * The command lines samocode builds: src/agent/providers.ts and src/config/settings.ts bundled to a temp module, a
 * Config resolved by samocode's own settings code (so new settings get their defaults), then invocation() called for
 * each variant of the settings that changes the flags.
 */
const VARIANTS = [
  { provider: 'claude', label: 'default (CLAUDE_PERMISSION_MODE=bypassPermissions)', settings: {} },
  {
    provider: 'claude',
    label: 'CLAUDE_PERMISSION_MODE=acceptEdits',
    settings: { CLAUDE_PERMISSION_MODE: 'acceptEdits' },
  },
  { provider: 'codex', label: 'default (CODEX_SANDBOX=workspace-write)', settings: {} },
  { provider: 'codex', label: 'CODEX_SANDBOX=danger-full-access', settings: { CODEX_SANDBOX: 'danger-full-access' } },
];

async function samocodeInvocations(scratch, paths) {
  const { build } = await import('esbuild');
  const entry = join(scratch, 'entry.ts');
  writeFileSync(
    entry,
    `export { invocation } from ${JSON.stringify(join(ROOT, 'src', 'agent', 'providers.ts'))};\n` +
      `export { resolveSettings } from ${JSON.stringify(join(ROOT, 'src', 'config', 'settings.ts'))};\n`,
  );
  const out = join(scratch, 'samocode-providers.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'warning',
  });
  const samocode = await import(pathToFileURL(out).href);
  const session = join(scratch, 'session');
  const work = join(scratch, 'work');
  mkdirSync(session, { recursive: true });
  mkdirSync(work, { recursive: true });
  const ctx = {
    prompt: 'PROMPT',
    promptFile: join(session, 'prompt.md'),
    sessionDir: session,
    workingDir: work,
    signalFile: join(session, '_signal.json'),
    phase: 'investigation',
    iteration: 1,
    attempt: 1,
    runId: 'flag-check',
  };
  // samocode gives the agent its prompt on stdin, from this file (src/io/run-process.ts): the probe does the same.
  writeFileSync(ctx.promptFile, ctx.prompt);
  const configFor = (provider, settings) => {
    const values = {
      MAIN_REPO: work,
      WORKTREES: work,
      SESSIONS: session,
      SAMOCODE_PROVIDER: provider,
      CLAUDE_PATH: paths.claude,
      CLAUDE_MODEL: 'claude-sonnet-4-5',
      CLAUDE_MAX_TURNS: '5',
      CODEX_PATH: paths.codex,
      CODEX_MODEL: 'gpt-5.5',
      ...settings,
    };
    const layers = new Map(
      Object.entries(values).map(([key, value]) => [key, { value, source: 'flag check', baseDir: scratch }]),
    );
    const resolved = samocode.resolveSettings(layers, join(scratch, '.samocode'), scratch);
    if (!resolved?.ok)
      throw new Error(
        `samocode's settings refused the flag check's values: ${JSON.stringify(resolved?.problems ?? resolved)}`,
      );
    return resolved.config;
  };
  // invocation()'s signature has moved before (the provider became its own parameter): follow both shapes, and say so
  // if neither works rather than check flags samocode does not pass.
  const invocationOf = ({ provider, settings }) => {
    const config = configFor(provider, settings);
    const value =
      samocode.invocation.length >= 4
        ? samocode.invocation(config, provider, ctx, {})
        : samocode.invocation(config, ctx, {});
    if (!value || typeof value.command !== 'string' || !Array.isArray(value.args)) {
      throw new Error(
        `src/agent/providers.ts invocation() returned ${JSON.stringify(value)} for ${provider}: update tests/agents/run.mjs to its new shape`,
      );
    }
    return value;
  };
  return { ctx, variants: VARIANTS.map((variant) => ({ ...variant, call: invocationOf(variant) })) };
}

/**
 * A 127.0.0.1 server that refuses every model request with 401 (no retries are configured for the probe, so each CLI
 * makes one request and exits). A closed port would not do: codex 0.169.0 waits for the network for ever there.
 */
async function refusingServer() {
  const seen = { requests: 0 };
  const server = createServer((req, res) => {
    if (req.method === 'POST') seen.requests += 1;
    req.resume();
    req.on('end', () => {
      const body = req.url?.startsWith('/v1/responses')
        ? {
            error: {
              message: 'flag check: no model here',
              type: 'invalid_request_error',
              param: null,
              code: 'invalid_api_key',
            },
          }
        : { type: 'error', error: { type: 'authentication_error', message: 'flag check: no model here' } };
      res
        .writeHead(req.method === 'HEAD' ? 200 : 401, { 'content-type': 'application/json' })
        .end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    seen,
    port: server.address().port,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(done);
      }),
  };
}

/** spawnSync would block the event loop the refusing server answers on: a promise instead. `stdinFile`: the child's stdin. */
function run(command, args, opts) {
  return new Promise((done) => {
    const stdin = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
    const child = spawn(command, args, { ...opts, stdio: [stdin, 'pipe', 'pipe'] });
    if (typeof stdin === 'number') closeSync(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 60_000);
    child.on('error', (error) => (stderr += String(error)));
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

const USAGE_ERROR =
  /error: (unexpected argument|unknown option|unrecognized|invalid value|missing required|too many arguments|option '[^']*' argument missing)[^\n]*/i;

/** Compare samocode's flags with the CLIs' help; probe the ones the help does not list. Returns problems. */
async function checkFlags(paths, scratch, baseEnv) {
  const inv = await samocodeInvocations(scratch, paths);
  const refusing = await refusingServer();
  const port = refusing.port;
  const home = join(scratch, 'home');
  const codexHome = join(home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(
    join(codexHome, 'config.toml'),
    `model_provider = "refusing"\n[analytics]\nenabled = false\n[features]\nplugins = false\nremote_plugin = false\n` +
      `[model_providers.refusing]\nname = "refusing"\nbase_url = "http://127.0.0.1:${port}/v1"\nwire_api = "responses"\nenv_key = "MOCK_MODEL_API_KEY"\nrequest_max_retries = 0\nstream_max_retries = 0\n`,
  );
  const env = {
    ...baseEnv,
    HOME: home,
    CODEX_HOME: codexHome,
    TMPDIR: scratch,
    CLAUDE_CODE_TMPDIR: scratch,
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
    ANTHROPIC_API_KEY: 'flag-check',
    MOCK_MODEL_API_KEY: 'flag-check',
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
  const problems = [];
  const rows = [];
  const helpArgs = { claude: ['--help'], codex: ['exec', '--help'] };
  const helpTexts = {};
  const argvs = [];
  for (const { provider, label, call } of inv.variants) {
    helpTexts[provider] ??= await run(call.command, helpArgs[provider], { env, timeout: 30_000 }).then(
      (h) => `${h.stdout}\n${h.stderr}`,
    );
    const helpText = helpTexts[provider];
    // The full command line samocode would run, with the env samocode would give it, once.
    const before = refusing.seen.requests;
    const probe = await run(call.command, call.args, {
      cwd: inv.ctx.workingDir,
      env: { ...call.env, ...env },
      timeout: 60_000,
      stdinFile: inv.ctx.promptFile,
    });
    const reached = refusing.seen.requests > before;
    const rejected = USAGE_ERROR.exec(`${probe.stderr}\n${probe.stdout}`)?.[0];
    rows.push(
      `  ${provider} — ${label}: ${rejected ? `REJECTED: ${rejected}` : reached ? 'parsed, reached the model API' : 'did not reach the model API'} (exit ${probe.status})`,
    );
    // A lone `-` is codex's "prompt on stdin", not a flag.
    for (const flag of call.args.filter((arg) => arg.startsWith('-') && arg !== '-')) {
      const escaped = flag.replace(/[.*+?^$()|[\]\\{}-]/g, '\\$&');
      const listed = new RegExp('(^|[\\s,])' + escaped + '(?=[\\s,=<\\[]|$)', 'm').test(helpText);
      const rejectsThis = rejected !== undefined && rejected.includes(flag);
      const verdict = rejectsThis
        ? 'REJECTED'
        : listed
          ? 'ok (in --help)'
          : reached
            ? 'ok (hidden: not in --help, but accepted)'
            : rejected
              ? 'not in --help; unverified (the command line was rejected for another flag)'
              : 'NOT IN --help, and the probe did not get past the command line';
      rows.push(`      ${flag.padEnd(42)} ${verdict}`);
      if (rejectsThis || (!listed && !reached && !rejected))
        problems.push(`${provider} (${label}) ${flag}: ${rejected ?? verdict}`);
    }
    if (rejected && !problems.some((p) => p.startsWith(`${provider} (${label})`)))
      problems.push(`${provider} (${label}): the command line is rejected: ${rejected}`);
    if (!rejected && !reached)
      problems.push(
        `${provider} (${label}): the command line did not reach the model API (exit ${probe.status}): ${probe.stderr.slice(-500)}`,
      );
    argvs.push(`  ${provider} — ${label}: ${describeArgv(call.args, inv.ctx)}`);
  }
  await refusing.close();
  log(`flags samocode passes (src/agent/providers.ts), against the installed CLIs:\n${rows.join('\n')}`);
  log(`samocode's command lines:\n${argvs.join('\n')}`);
  return problems;
}

function describeArgv(args, ctx) {
  return args
    .map((a) =>
      a === ctx.sessionDir ? '<session>' : a === ctx.workingDir ? '<workdir>' : a === ctx.prompt ? '<prompt>' : a,
    )
    .join(' ');
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
    log('dist/cli.js is missing: run `npm run test:agents` (it builds first)');
    return 1;
  }
  let notes;
  try {
    notes = install();
  } catch (error) {
    if (!(error instanceof InstallUnavailable)) throw error;
    log(`SKIPPED: ${error.message}; the suite needs both CLIs (exit ${EXIT_INSTALL_UNAVAILABLE})`);
    return EXIT_INSTALL_UNAVAILABLE;
  }
  const versions = Object.fromEntries(Object.keys(PINNED).map((pkg) => [pkg, installedVersion(pkg)]));
  log(
    `versions: ${Object.entries(versions)
      .map(([p, v]) => `${p}@${v}`)
      .join(', ')}`,
  );

  // Everything below runs with a throwaway HOME: the CLIs (and npx) must not write into the real one.
  const work = mkdtempSync(join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'samocode-agents-'));
  const scratch = join(work, 'flag-check');
  mkdirSync(scratch, { recursive: true });
  const baseEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: join(work, 'home'),
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
  };
  mkdirSync(baseEnv.HOME, { recursive: true });
  let code = 1;
  try {
    const paths = binaries(baseEnv);
    log(`CLAUDE_PATH=${paths.claude}\n[test:agents] CODEX_PATH=${paths.codex}`);
    const problems = await checkFlags(paths, scratch, baseEnv);
    if (problems.length > 0) {
      log(
        `FLAG MISMATCH: the installed CLIs reject flags samocode passes (src/agent/providers.ts):\n  ${problems.join('\n  ')}`,
      );
      return 1;
    }
    const started = Date.now();
    code = await new Promise((done) => {
      const child = spawn(
        'npx',
        ['vitest', 'run', '--config', 'tests/agents/vitest.config.ts', ...process.argv.slice(2)],
        {
          cwd: ROOT,
          stdio: 'inherit',
          env: {
            ...process.env,
            HOME: baseEnv.HOME,
            npm_config_cache: join(work, 'npm-cache'),
            npm_config_update_notifier: 'false',
            CLAUDE_PATH: paths.claude,
            CODEX_PATH: paths.codex,
            SAMOCODE_AGENTS_SUITE: '1',
            SAMOCODE_AGENTS_WORK: join(work, 'tests'),
            SAMOCODE_AGENTS_VERSIONS: JSON.stringify(versions),
          },
        },
      );
      child.on('close', (status, signal) => done(status ?? (signal ? 1 : 0)));
    });
    log(`vitest exited ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const note of notes) log(`NOTE: ${note}`);
    return code;
  } finally {
    if (process.env.KEEP_OUTPUT) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true, maxRetries: 3 });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
