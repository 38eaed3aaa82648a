// What samocode knows about each agent it can run, one row a provider: the settings that name its binary and extra
// arguments, the package that installs it, the stream its stdout is read as, and the fixes a person is told. Pure.
// A new agent CLI is one row here, one argv builder (agent/providers.ts) and one stream parser (agent/streams/).

export const PROVIDERS = ['claude', 'codex', 'script'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The stream formats samocode parses (agent/streams/): the real CLIs' own, which the scripted agent can also play. */
export const STREAM_FORMATS = ['claude', 'codex'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

/** An agent CLI installed apart from samocode. */
export interface ExternalCli {
  /** The setting naming the binary (a name on PATH or a path). */
  binarySetting: 'CLAUDE_PATH' | 'CODEX_PATH';
  /** The setting of the extra arguments samocode passes on. */
  argsSetting: 'CLAUDE_ARGS' | 'CODEX_ARGS';
  /** The npm package that installs the CLI. */
  npmPackage: string;
}

export interface ProviderFacts {
  /** How messages name it. */
  label: string;
  /** Installed apart (a binary to find, arguments a person may add); undefined for the scripted agent shipped with samocode. */
  cli: ExternalCli | undefined;
  /** The format its stdout is read as; undefined when it has none of its own (the scripted agent plays SAMOCODE_SCRIPT_FORMAT). */
  stream: StreamFormat | undefined;
  /** The stream reports no cost: samocode estimates it from the tokens and CODEX_PRICE. */
  costFromTokens: boolean;
  /** How to get past an authentication failure. */
  authFix: string;
  /** How to get past an API the CLI cannot reach: where its base URL is set. */
  connectionFix: string | undefined;
  /** How to give iterations more turns, where the CLI has a turn limit samocode sets. */
  maxTurnsFix: string | undefined;
  /** How to let the agent write the session folder again after a permission denial. */
  permissionFix: string;
}

const GENERIC_PERMISSION_FIX = 'allow the agent to write to the session folder (e.g. --add-dir <session folder>)';

export const PROVIDER_FACTS: Record<Provider, ProviderFacts> = {
  claude: {
    label: 'claude',
    cli: { binarySetting: 'CLAUDE_PATH', argsSetting: 'CLAUDE_ARGS', npmPackage: '@anthropic-ai/claude-code' },
    stream: 'claude',
    costFromTokens: false,
    authFix: 'set ANTHROPIC_API_KEY or log in with `claude` (as the user samocode runs as)',
    connectionFix: 'check the network and ANTHROPIC_BASE_URL, if set',
    maxTurnsFix: 'raise CLAUDE_MAX_TURNS (or unset it) if iterations need more turns',
    permissionFix:
      'samocode runs claude with --dangerously-skip-permissions and --add-dir <session folder>; if you changed its permission flags or env, allow writes there again (--add-dir, or keep IS_SANDBOX=1 as root)',
  },
  codex: {
    label: 'codex',
    cli: { binarySetting: 'CODEX_PATH', argsSetting: 'CODEX_ARGS', npmPackage: '@openai/codex' },
    stream: 'codex',
    costFromTokens: true,
    authFix: "set OPENAI_API_KEY (or the variable your model provider's env_key names) or log in with `codex login`",
    connectionFix: "check the network and the model provider's base_url",
    maxTurnsFix: undefined,
    permissionFix: GENERIC_PERMISSION_FIX,
  },
  script: {
    label: 'the scripted agent',
    cli: undefined,
    stream: undefined,
    costFromTokens: false,
    authFix: 'check the credentials the agent uses',
    connectionFix: undefined,
    maxTurnsFix: undefined,
    permissionFix: GENERIC_PERMISSION_FIX,
  },
};
