// One samocode session driven by a REAL agent CLI (Claude Code or Codex) against a scripted model server on
// 127.0.0.1: a throwaway project (the rig's), the model server and an egress trap, and an environment that keeps the
// CLIs local (base URL / provider config, private HOME and CODEX_HOME, telemetry off, proxies pointing at the trap).
// The project lives outside /tmp (SAMOCODE_AGENTS_WORK, default /var/tmp): Codex's workspace-write sandbox lets
// commands write to /tmp anyway, so only a session folder outside it proves that `--add-dir <session>` is what works.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createProject, readHistory, readOverview, ROOT, type CliResult, type Project } from '../../helpers/rig.js';
import { reapLeftovers, tryRead } from '../../helpers/processes.js';
import { startAnthropicServer, type ModelServer } from '../model-servers/anthropic.js';
import { startEgressTrap, type EgressTrap } from '../model-servers/egress-trap.js';
import { startOpenAIServer } from '../model-servers/openai.js';
import { Script, type RecordedRequest, type Turn } from '../model-servers/script.js';
import { onTestFinished } from 'vitest';

export type AgentProvider = 'claude' | 'codex';

/** Set by tests/agents/run.mjs, which installs the CLIs first; without it the suite is reported as skipped. */
export const SUITE_ON = process.env.SAMOCODE_AGENTS_SUITE === '1';

/** Retry knobs of the CLIs in every test: low, so failures take seconds, not minutes. */
export const CLAUDE_RETRIES = 2;
export const CODEX_REQUEST_RETRIES = 2;
export const CODEX_STREAM_RETRIES = 1;

export const MODELS: Record<AgentProvider, string> = { claude: 'claude-sonnet-4-5', codex: 'gpt-5.5' };

export function cliPath(provider: AgentProvider): string {
  const fromEnv = provider === 'claude' ? process.env.CLAUDE_PATH : process.env.CODEX_PATH;
  const path = fromEnv ?? join(ROOT, 'tests', 'agents', '.cli', 'node_modules', '.bin', provider);
  if (!existsSync(path))
    throw new Error(`${provider} CLI not found at ${path}: run \`npm run test:agents\`, which installs it`);
  return resolve(path);
}

export interface AgentRun extends CliResult {
  ms: number;
}

export interface AgentSession {
  provider: AgentProvider;
  project: Project;
  script: Script;
  server: ModelServer;
  trap: EgressTrap;
  name: string;
  /** Run `orchestrate` once (with --no-wait, so a wait exits 5). */
  run(opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<AgentRun>;
  dir(): string;
  history(): Record<string, any>[];
  iterations(): Record<string, any>[];
  overview(): Record<string, any>;
  /** Stdout logs of the agent spawns (`_logs/*.jsonl`), oldest first. */
  logs(): string[];
  /** Parsed JSON lines of one stdout log. */
  events(log: string): Record<string, any>[];
  /** Model API requests (POST) the server saw. */
  apiRequests(): RecordedRequest[];
  /** Processes still running with this project's session path in their environment. */
  leftovers(): number[];
  /** A readable account of a run for assertion messages. */
  explain(run?: AgentRun): string;
}

export interface SessionOptions {
  /** Extra `.samocode` lines (KEY=VALUE), overriding the defaults by key. */
  config?: string[];
  name?: string;
  task?: string;
  /** Point the CLI at a 127.0.0.1 port nothing listens on instead of the scripted server. */
  unreachable?: boolean;
}

export async function agentSession(
  provider: AgentProvider,
  turns: Turn[],
  opts: SessionOptions = {},
): Promise<AgentSession> {
  const script = new Script(turns);
  const server = provider === 'claude' ? await startAnthropicServer(script) : await startOpenAIServer(script);
  const trap = await startEgressTrap();
  onTestFinished(async () => {
    await server.close();
    await trap.close();
  });

  const settings = new Map<string, string>();
  for (const line of [
    'MAIN_REPO=./repo',
    'WORKTREES=./worktrees',
    'SESSIONS=./sessions',
    'SAMOCODE_RETRY_DELAY=0',
    'SAMOCODE_TIMEOUT=120',
    'SAMOCODE_KILL_GRACE=2',
    `CLAUDE_PATH=${cliPath('claude')}`,
    `CLAUDE_MODEL=${MODELS.claude}`,
    `CODEX_PATH=${cliPath('codex')}`,
    `CODEX_MODEL=${MODELS.codex}`,
    ...(opts.config ?? []),
  ]) {
    const at = line.indexOf('=');
    settings.set(line.slice(0, at), line.slice(at + 1));
  }
  const project = withTmpdir(process.env.SAMOCODE_AGENTS_WORK ?? '/var/tmp', () =>
    createProject({ config: [...settings].map(([key, value]) => `${key}=${value}`) }),
  );
  reapLeftovers(project);

  const apiUrl = opts.unreachable
    ? `http://127.0.0.1:${await closedPort()}${provider === 'codex' ? '/v1' : ''}`
    : server.url;
  const home = project.env.HOME!;
  const tmp = join(project.root, 'tmp');
  const codexHome = join(home, '.codex');
  mkdirSync(tmp, { recursive: true });
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(join(codexHome, 'config.toml'), codexConfig(apiUrl));

  // Nothing from the developer's shell that would reach a real API or change the CLIs, and in particular no
  // IS_SANDBOX: samocode must set it itself (Claude Code refuses --dangerously-skip-permissions as root without it).
  for (const key of Object.keys(project.env)) {
    if (/^(ANTHROPIC_|OPENAI_|CLAUDE|CODEX|IS_SANDBOX$|DISABLE_|(HTTPS?|ALL|NO)_PROXY$)/i.test(key))
      delete project.env[key];
  }
  Object.assign(project.env, {
    LANG: 'C.UTF-8',
    TMPDIR: tmp,
    CLAUDE_CODE_TMPDIR: tmp,
    ANTHROPIC_BASE_URL: provider === 'claude' ? apiUrl : 'http://127.0.0.1:9',
    ANTHROPIC_API_KEY: 'test-key-for-the-scripted-model',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: String(CLAUDE_RETRIES),
    CODEX_HOME: codexHome,
    MOCK_MODEL_API_KEY: 'test-key-for-the-scripted-model',
    HTTP_PROXY: trap.url,
    HTTPS_PROXY: trap.url,
    ALL_PROXY: trap.url,
    http_proxy: trap.url,
    https_proxy: trap.url,
    all_proxy: trap.url,
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
  });

  const name = opts.name ?? 'agent-e2e';
  const args = [
    '--config',
    project.configFile,
    '--session',
    name,
    '--task',
    opts.task ?? 'Add a feature file',
    '--no-wait',
    '--provider',
    provider,
  ];
  const runs: AgentRun[] = [];

  const session: AgentSession = {
    provider,
    project,
    script,
    server,
    trap,
    name,
    async run(runOpts = {}) {
      const started = Date.now();
      const result = await project.run(args, { env: runOpts.env, timeoutMs: runOpts.timeoutMs ?? 150_000 });
      const run = { ...result, ms: Date.now() - started };
      runs.push(run);
      // For KEEP_OUTPUT=1 post-mortems: what the model server saw.
      writeFileSync(
        join(project.root, 'model-requests.jsonl'),
        script.requests
          .map((r) =>
            JSON.stringify({
              n: r.n,
              time: r.time,
              method: r.method,
              url: r.url,
              kind: r.kind,
              status: r.status,
              action: r.action,
              prompt: r.prompt,
            }),
          )
          .join('\n') + '\n',
      );
      return run;
    },
    dir: () => project.sessionDir(name),
    history: () => readHistory(session.dir()),
    iterations: () => session.history().filter((e) => e.event === 'iteration'),
    overview: () => readOverview(session.dir()).data,
    logs() {
      const logs = join(session.dir(), '_logs');
      return existsSync(logs)
        ? readdirSync(logs)
            .filter((f) => f.endsWith('.jsonl'))
            .sort()
            .map((f) => join(logs, f))
        : [];
    },
    events(log) {
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => {
          try {
            return JSON.parse(line) as Record<string, any>;
          } catch {
            return { unparsed: line };
          }
        });
    },
    apiRequests: () => script.requests.filter((r) => r.method === 'POST'),
    leftovers() {
      const marker = `SAMOCODE_SESSION_PATH=${project.sessions}/`;
      return readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
        .filter((entry) => (tryRead(`/proc/${entry}/environ`) ?? '').split('\0').some((v) => v.startsWith(marker)))
        .map(Number);
    },
    explain(run = runs.at(-1)) {
      const lines: string[] = [];
      if (run)
        lines.push(
          `orchestrate exit ${run.exitCode} (signal ${run.signal}) after ${run.ms} ms`,
          `stderr:\n${run.stderr.slice(-3000)}`,
        );
      const requests = script.requests.map((r) => `${r.method} ${r.url.split('?')[0]} → ${r.status} ${r.action ?? ''}`);
      lines.push(
        `model API requests (${requests.length}): ${requests.slice(0, 12).join('; ')}${requests.length > 12 ? '; …' : ''}`,
      );
      try {
        const history = session.history();
        const validations = history.filter((e) => e.event === 'iteration').map((e) => e.validation);
        const counts = new Map<string, number>();
        for (const v of validations) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
        const tally = [...counts].map(([v, n]) => `${v}×${n}`);
        lines.push(
          `history: ${history.length} entries (iteration validations: ${tally.join(', ') || 'none'})${history.length > 6 ? '; the last 6:' : ''}`,
        );
        for (const entry of history.slice(-6)) lines.push(`  ${JSON.stringify(entry).slice(0, 800)}`);
        const last = session.logs().at(-1);
        if (last) {
          lines.push(`last agent stdout (${last}):\n${readFileSync(last, 'utf8').slice(-2500)}`);
          lines.push(`last agent stderr:\n${tryRead(last.replace(/\.jsonl$/, '.stderr.log'))?.slice(-1500) ?? ''}`);
        }
      } catch (error) {
        lines.push(`(no session files: ${String(error)})`);
      }
      return lines.join('\n');
    },
  };
  return session;
}

/** Codex's provider table: the scripted server, its key from the env, low retries, and the quiet switches. */
function codexConfig(baseUrl: string): string {
  return [
    'model_provider = "scripted"',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[features]',
    'plugins = false',
    'remote_plugin = false',
    '',
    '[model_providers.scripted]',
    'name = "scripted"',
    `base_url = "${baseUrl}"`,
    'wire_api = "responses"',
    'env_key = "MOCK_MODEL_API_KEY"',
    `request_max_retries = ${CODEX_REQUEST_RETRIES}`,
    `stream_max_retries = ${CODEX_STREAM_RETRIES}`,
    '',
  ].join('\n');
}

/** A port on 127.0.0.1 that was free a moment ago (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** The rig makes its temp folder under os.tmpdir(): point that somewhere else for the duration of the call. */
function withTmpdir<T>(dir: string, make: () => T): T {
  mkdirSync(dir, { recursive: true });
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return make();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/** Answer every `**Answer:** _waiting_` in _qa.md with A, as the person would. */
export function answerQuestions(dir: string): void {
  const file = join(dir, '_qa.md');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/\*\*Answer:\*\* _waiting_/g, '**Answer:** A'));
}

export function approvePlan(dir: string): void {
  const file = join(dir, '_plan.md');
  writeFileSync(file, readFileSync(file, 'utf8').replace('**Approval:** _waiting_', '**Approval:** approved'));
}

/** Signals with the usual meaning. */
export const sig = {
  go: (phase: string, summary = `on to ${phase}`) => ({ status: 'continue', phase, summary }),
  wait: (what: string, needs: string, summary = `waiting for ${what}`) => ({
    status: 'waiting',
    for: what,
    needs,
    summary,
  }),
  /** Ends a short test: the session waits for a human action, so `--no-wait` exits 5 after one iteration. */
  pause: () => ({
    status: 'waiting',
    for: 'human_action',
    needs: 'nothing: this is where the test script ends',
    summary: 'iteration done',
  }),
  done: () => ({ status: 'done', phase: 'done', summary: 'feature added; see _summary.md' }),
};

export const QA =
  '# Questions\n\n### Q1: Where should the feature live?\n- A) feature.txt at the repo root\n- B) somewhere else\n**Suggestion:** A — simplest.\n**Answer:** _waiting_\n';
export const PLAN = '# Plan\n\n1. Add feature.txt and commit it ("Add feature").\n\n**Approval:** _waiting_\n';
export const COMMIT_FEATURE =
  'printf "feature\\n" > feature.txt && git add feature.txt && git commit -q -m "Add feature" && git log --oneline -1';

/** The CLI's last `result` event (Claude) in a stdout log, if any. */
export function claudeResult(events: Record<string, any>[]): Record<string, any> | undefined {
  return events.filter((e) => e.type === 'result').at(-1);
}
