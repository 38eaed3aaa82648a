// Thin IO around settings.ts: read `.samocode` and the `.env` beside it, layer them with the environment and the
// flags, validate, then check what only the disk can tell (folders exist, the agent binary is there).
import { constants, accessSync, readFileSync, statSync } from 'node:fs';
import { dirname, delimiter, join, resolve } from 'node:path';
import dotenv from 'dotenv';
import { secretValues } from '../core/secrets.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { KNOWN_NAMES, SETTINGS, resolveSettings, type Config, type RawValue, type SettingKey } from './settings.js';

export interface LoadInput {
  configPath: string;
  /** Settings given as command-line flags, by canonical key, e.g. { SAMOCODE_TIMEOUT: '60' }. */
  flags: Partial<Record<SettingKey, string>>;
  /** Flag spelling for messages, by canonical key, e.g. { SAMOCODE_TIMEOUT: '--timeout' }. */
  flagNames: Partial<Record<SettingKey, string>>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  /** Check that the agent can run (binary, scenario). Off for commands that only read sessions (status, list …). */
  forRun?: boolean | undefined;
}

export interface Loaded {
  config: Config;
  warnings: string[];
}

export function loadConfig(input: LoadInput): Loaded {
  const configFile = resolve(input.cwd, input.configPath);
  const configText = readConfigFile(configFile);
  const warnings: string[] = [];
  const problems: ConfigProblem[] = [];

  const samocode = readEntries(configText, configFile, problems, warnings);
  const envFile = join(dirname(configFile), '.env');
  const envText = readOptional(envFile);
  const dotEnv = envText === undefined ? new Map<string, RawValue>() : readEntries(envText, envFile, problems, warnings);

  const processEnv = new Map<string, RawValue>();
  for (const [name, value] of Object.entries(input.env)) {
    // Only canonical names: an alias such as PROVIDER is too generic to take from a shell's environment.
    if (value !== undefined && name in SETTINGS) processEnv.set(name, { value, source: `environment ${name}`, baseDir: input.cwd });
  }
  const flags = new Map<string, RawValue>();
  for (const [key, value] of Object.entries(input.flags)) {
    if (value !== undefined) flags.set(key, { value, source: input.flagNames[key as SettingKey] ?? `--${key}`, baseDir: input.cwd });
  }

  // Highest precedence first: flags > process environment > .env > .samocode.
  const layers = new Map<string, RawValue>();
  for (const source of [flags, processEnv, dotEnv, samocode]) {
    for (const [name, raw] of canonicalFirst(source)) {
      const key = KNOWN_NAMES.get(name) ?? name;
      if (!layers.has(key)) layers.set(key, raw);
    }
  }

  const resolved = resolveSettings(layers, configFile, input.home);
  if (!resolved.ok) throw new ConfigError([...problems, ...resolved.problems], warnings);
  if (problems.length > 0) throw new ConfigError(problems, warnings);
  // Every variable counts, not only samocode's: a project's `.env` or the shell may hold the keys the agent sees.
  const everyEntry = [...Object.entries(input.env), ...Object.entries(dotenv.parse(envText ?? '')), ...Object.entries(dotenv.parse(configText))];
  const config = { ...resolved.config, secrets: [...new Set([...resolved.config.secrets, ...secretValues(everyEntry)])] };
  checkDisk(config, layers, input.env, problems, input.forRun ?? true);
  if (problems.length > 0) throw new ConfigError(problems, warnings);
  return { config, warnings };
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code})`;
    throw new ConfigError([
      { source: '--config', key: 'path', value: file, message, fix: 'point --config at your .samocode file (KEY=VALUE lines with MAIN_REPO, WORKTREES, SESSIONS); see README "Configuration"' },
    ]);
  }
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const ENTRY_LINE = /^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=/;

/** Parse KEY=VALUE lines with dotenv; flag lines that are not KEY=VALUE and keys we do not know. */
function readEntries(text: string, file: string, problems: ConfigProblem[], warnings: string[]): Map<string, RawValue> {
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || ENTRY_LINE.test(line)) return;
    problems.push({ source: `${file}:${index + 1}`, key: '(line)', value: trimmed, message: 'is not a KEY=VALUE line', fix: 'write one KEY=VALUE per line; start comments with #' });
  });
  const entries = new Map<string, RawValue>();
  for (const [name, value] of Object.entries(dotenv.parse(text))) {
    if (!KNOWN_NAMES.has(name)) {
      if (file.endsWith('.env')) continue; // a project's .env legitimately holds other variables
      warnings.push(`${file}: unknown key ${name} is ignored${suggest(name)}`);
      continue;
    }
    entries.set(name, { value, source: file, baseDir: dirname(file) });
  }
  return entries;
}

/** Within one source, a canonical name wins over its alias. */
function canonicalFirst(source: Map<string, RawValue>): [string, RawValue][] {
  return [...source].sort(([a], [b]) => Number(!(a in SETTINGS)) - Number(!(b in SETTINGS)));
}

function suggest(name: string): string {
  const upper = name.toUpperCase();
  const close = [...KNOWN_NAMES.keys()].find((known) => known === upper || distance(known, upper) <= 2);
  return close ? ` (did you mean ${close}?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const temp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = temp;
    }
  }
  return row[b.length]!;
}

function checkDisk(config: Config, layers: Map<string, RawValue>, env: NodeJS.ProcessEnv, problems: ConfigProblem[], forRun: boolean): void {
  const sourceOf = (key: SettingKey) => layers.get(key)?.source ?? config.configFile;
  // Commands that only read sessions (status, list …) still work after the repository moved.
  if (forRun && !isDirectory(config.mainRepo)) {
    problems.push({ source: sourceOf('MAIN_REPO'), key: 'MAIN_REPO', value: config.mainRepo, message: 'folder does not exist', fix: "point MAIN_REPO at your repository's folder" });
  }
  for (const key of ['WORKTREES', 'SESSIONS'] as const) {
    const folder = key === 'WORKTREES' ? config.worktrees : config.sessions;
    if (exists(folder) && !isDirectory(folder)) {
      problems.push({ source: sourceOf(key), key, value: folder, message: 'exists but is not a folder', fix: `point ${key} at a folder (it is created if missing)` });
    } else if (!exists(folder) && !isDirectory(nearestExisting(folder))) {
      problems.push({ source: sourceOf(key), key, value: folder, message: 'cannot be created', fix: `point ${key} at a folder under one that exists` });
    }
  }
  if (!forRun) return;
  if (config.provider === 'script') {
    if (!config.scriptPath) {
      problems.push({ source: sourceOf('SAMOCODE_PROVIDER'), key: 'SAMOCODE_SCRIPT', value: undefined, message: 'is required when the provider is script', fix: 'pass --script <scenario.json> or set SAMOCODE_SCRIPT' });
    } else if (!isFile(config.scriptPath)) {
      problems.push({ source: sourceOf('SAMOCODE_SCRIPT'), key: 'SAMOCODE_SCRIPT', value: config.scriptPath, message: 'scenario file not found', fix: 'point SAMOCODE_SCRIPT (or --script) at a scenario JSON file; see docs/scenarios.md' });
    }
    return;
  }
  const key = config.provider === 'claude' ? 'CLAUDE_PATH' : 'CODEX_PATH';
  const binary = config.provider === 'claude' ? config.claude.path : config.codex.path;
  if (!findExecutable(binary, env.PATH ?? '')) {
    const pkg = config.provider === 'claude' ? '@anthropic-ai/claude-code' : '@openai/codex';
    problems.push({ source: sourceOf(key), key, value: binary, message: binary.includes('/') ? 'is not an executable file' : 'is not found on PATH', fix: `install it (npm install -g ${pkg}) or set ${key} to the binary's full path` });
  }
}

export function findExecutable(binary: string, pathEnv: string): string | undefined {
  const candidates = binary.includes('/') ? [binary] : pathEnv.split(delimiter).filter(Boolean).map((dir) => join(dir, binary));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return isFile(file);
    } catch {
      return false;
    }
  });
}

function nearestExisting(folder: string): string {
  let current = folder;
  while (!exists(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
