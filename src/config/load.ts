// Thin IO around settings.ts: read `.samocode` and the `.env` beside it, layer them with the environment and the
// flags, validate, then check what only the disk can tell (folders exist, the agent binary is there).
import { constants, accessSync, statSync } from 'node:fs';
import { dirname, delimiter, join, resolve } from 'node:path';
import dotenv from 'dotenv';
import { PROVIDER_FACTS, type Provider } from '../core/provider-facts.js';
import { isDirectory, isFile } from '../io/path-kind.js';
import { secretValues } from '../core/secrets.js';
import { ConfigError, SessionStateError, type ConfigProblem } from '../errors.js';
import { readIfExists } from '../io/read-if-exists.js';
import type { Config } from '../core/config.js';
import { KNOWN_NAMES, SETTINGS, isCheckKey, resolveSettings, type RawValue, type SettingKey } from './settings.js';

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
  /**
   * This load as one made with `forRun` would have ended, without reading and resolving everything again: the checks
   * only a run needs (MAIN_REPO is there, the agent's binary or scenario) are made now, and their problems thrown as
   * that load's ConfigError. `run` reads the configuration before it knows whether the session needs an agent.
   */
  forRun(): Loaded;
}

export function loadConfig(input: LoadInput): Loaded {
  const configFile = resolve(input.cwd, input.configPath);
  const configText = readConfigFile(configFile);
  const warnings: string[] = [];
  const problems: ConfigProblem[] = [];

  const samocode = readEntries(configText, configFile, problems, warnings);
  const envFile = join(dirname(configFile), '.env');
  const envRead = readSettingsFile(envFile);
  const envText = 'text' in envRead ? envRead.text : undefined;
  if ('problem' in envRead)
    problems.push({
      source: envFile,
      key: '.env',
      value: undefined,
      message: envRead.problem,
      fix: `make ${envFile} a file of KEY=VALUE lines, or move it away (it is optional)`,
    });
  const dotEnv =
    envText === undefined ? new Map<string, RawValue>() : readEntries(envText, envFile, problems, warnings);

  const processEnv = new Map<string, RawValue>();
  for (const [name, value] of Object.entries(input.env)) {
    // Only canonical names: an alias such as PROVIDER is too generic to take from a shell's environment.
    if (value !== undefined && (name in SETTINGS || isCheckKey(name)))
      processEnv.set(name, { value, source: `environment ${name}`, baseDir: input.cwd });
  }
  const flags = new Map<string, RawValue>();
  for (const [key, value] of Object.entries(input.flags)) {
    if (value !== undefined)
      flags.set(key, { value, source: input.flagNames[key as SettingKey] ?? `--${key}`, baseDir: input.cwd });
  }

  // Highest precedence first: flags > process environment > .env > .samocode.
  const layers = new Map<string, RawValue>();
  for (const source of [flags, processEnv, dotEnv, samocode]) {
    for (const [name, raw] of canonicalFirst(source)) {
      const key = KNOWN_NAMES.get(name) ?? name;
      if (!layers.has(key)) layers.set(key, raw);
    }
  }

  const forRun = input.forRun ?? true;
  const resolved = resolveSettings(layers, configFile, input.home);
  if (resolved.ok) problems.push(...checkDisk(diskFacts(resolved.config), layers, input.env, forRun));
  else {
    // What the disk says about the values that were valid belongs to the same list: every problem at once.
    problems.push(
      ...resolved.problems,
      ...checkDisk(partialFacts(resolved.parsed, configFile), layers, input.env, forRun),
    );
  }
  if (problems.length > 0 || !resolved.ok) throw new ConfigError(problems, warnings);
  // Every variable counts, not only samocode's: a project's `.env` or the shell may hold the keys the agent sees.
  const everyEntry = [
    ...Object.entries(input.env),
    ...Object.entries(dotenv.parse(envText ?? '')),
    ...Object.entries(dotenv.parse(configText)),
  ];
  const config = {
    ...resolved.config,
    secrets: [...new Set([...resolved.config.secrets, ...secretValues(everyEntry)])],
  };
  const loaded: Loaded = {
    config,
    warnings,
    forRun: () => {
      if (forRun) return loaded;
      // The checks that passed without forRun are made again with the rest: the disk may have changed since.
      const runProblems = checkDisk(diskFacts(resolved.config), layers, input.env, true);
      if (runProblems.length > 0) throw new ConfigError(runProblems, warnings);
      return loaded;
    },
  };
  return loaded;
}

function readConfigFile(file: string): string {
  const read = readSettingsFile(file);
  if ('text' in read) return read.text;
  throw new ConfigError([
    {
      source: '--config',
      key: 'path',
      value: file,
      message: 'missing' in read ? 'file not found' : read.problem,
      fix: 'point --config at your .samocode file (KEY=VALUE lines with MAIN_REPO, WORKTREES, SESSIONS); see README "Configuration"',
    },
  ]);
}

/**
 * A settings file's text, or that there is none, or what stands in its place: opened without blocking, so a FIFO at
 * the path is named rather than waited on for ever (io/regular-file.ts), and so are a folder and a device.
 */
function readSettingsFile(file: string): { text: string } | { missing: true } | { problem: string } {
  try {
    const text = readIfExists(file);
    return text === undefined ? { missing: true } : { text };
  } catch (error) {
    if (error instanceof SessionStateError) return { problem: `is ${kindAt(file)}, not a file` };
    return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
}

function kindAt(file: string): string {
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) return 'a folder';
    if (stat.isFIFO()) return 'a FIFO (named pipe)';
    if (stat.isSocket()) return 'a socket';
    if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  } catch {
    // gone meanwhile
  }
  return 'no regular file';
}

const ENTRY_LINE = /^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=/;

/** Parse KEY=VALUE lines with dotenv; flag lines that are not KEY=VALUE and keys we do not know. */
function readEntries(text: string, file: string, problems: ConfigProblem[], warnings: string[]): Map<string, RawValue> {
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || ENTRY_LINE.test(line)) return;
    problems.push({
      source: `${file}:${index + 1}`,
      key: '(line)',
      value: trimmed,
      message: 'is not a KEY=VALUE line',
      fix: 'write one KEY=VALUE per line; start comments with #',
    });
  });
  const entries = new Map<string, RawValue>();
  for (const [name, value] of Object.entries(dotenv.parse(text))) {
    if (!KNOWN_NAMES.has(name) && !isCheckKey(name)) {
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

/** What checkDisk needs; a value that did not parse is absent and not checked. */
interface DiskFacts {
  configFile: string;
  mainRepo?: string | undefined;
  worktrees?: string | undefined;
  sessions?: string | undefined;
  provider?: Provider | undefined;
  /** The binary of the provider's CLI (its binarySetting), when it has one. */
  binary?: string | undefined;
  scriptPath?: string | undefined;
}

function diskFacts(config: Config): DiskFacts {
  return {
    configFile: config.configFile,
    mainRepo: config.mainRepo,
    worktrees: config.worktrees,
    sessions: config.sessions,
    provider: config.provider,
    binary: config.provider === 'script' ? undefined : config[config.provider].path,
    scriptPath: config.scriptPath,
  };
}

function partialFacts(parsed: ReadonlyMap<SettingKey, unknown>, configFile: string): DiskFacts {
  const get = (key: SettingKey) => parsed.get(key) as string | undefined;
  const provider = parsed.get('SAMOCODE_PROVIDER') as Provider | undefined;
  const binarySetting = provider === undefined ? undefined : PROVIDER_FACTS[provider].cli?.binarySetting;
  return {
    configFile,
    mainRepo: get('MAIN_REPO'),
    worktrees: get('WORKTREES'),
    sessions: get('SESSIONS'),
    provider,
    binary: binarySetting === undefined ? undefined : get(binarySetting),
    scriptPath: get('SAMOCODE_SCRIPT'),
  };
}

function checkDisk(
  facts: DiskFacts,
  layers: Map<string, RawValue>,
  env: NodeJS.ProcessEnv,
  forRun: boolean,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // Where the value came from; a default is named as one, never blamed on a file that does not set it.
  const sourceOf = (key: SettingKey) =>
    layers.get(key)?.source ?? `default (${key} is not set in ${facts.configFile}, .env or the environment)`;
  // Commands that only read sessions (status, list …) still work after the repository moved.
  if (forRun && facts.mainRepo !== undefined && !isDirectory(facts.mainRepo)) {
    problems.push({
      source: sourceOf('MAIN_REPO'),
      key: 'MAIN_REPO',
      value: facts.mainRepo,
      message: 'folder does not exist',
      fix: "point MAIN_REPO at your repository's folder",
    });
  }
  for (const key of ['WORKTREES', 'SESSIONS'] as const) {
    const folder = key === 'WORKTREES' ? facts.worktrees : facts.sessions;
    if (folder === undefined) continue;
    if (exists(folder) && !isDirectory(folder)) {
      problems.push({
        source: sourceOf(key),
        key,
        value: folder,
        message: 'exists but is not a folder',
        fix: `point ${key} at a folder (it is created if missing)`,
      });
    } else if (!exists(folder) && !isDirectory(nearestExisting(folder))) {
      problems.push({
        source: sourceOf(key),
        key,
        value: folder,
        message: 'cannot be created',
        fix: `point ${key} at a folder under one that exists`,
      });
    }
  }
  if (!forRun || facts.provider === undefined) return problems;
  const cli = PROVIDER_FACTS[facts.provider].cli;
  if (cli === undefined) {
    if (!facts.scriptPath) {
      problems.push({
        source: sourceOf('SAMOCODE_PROVIDER'),
        key: 'SAMOCODE_SCRIPT',
        value: undefined,
        message: 'is required when the provider is script',
        fix: 'pass --script <scenario.json> or set SAMOCODE_SCRIPT',
      });
    } else if (!isFile(facts.scriptPath)) {
      problems.push({
        source: sourceOf('SAMOCODE_SCRIPT'),
        key: 'SAMOCODE_SCRIPT',
        value: facts.scriptPath,
        message: 'scenario file not found',
        fix: 'point SAMOCODE_SCRIPT (or --script) at a scenario JSON file; see docs/scenarios.md',
      });
    }
    return problems;
  }
  const { binarySetting: key, npmPackage: pkg } = cli;
  const binary = facts.binary;
  if (binary !== undefined && !findExecutable(binary, env.PATH ?? '')) {
    const where = layers.has(key)
      ? `set ${key} to the binary's full path`
      : `set ${key}=<the binary's full path> in ${facts.configFile}`;
    problems.push({
      source: sourceOf(key),
      key,
      value: binary,
      message: binary.includes('/') ? 'is not an executable file' : 'is not found on PATH',
      fix: `install it (npm install -g ${pkg}) or ${where}`,
    });
  }
  return problems;
}

export function findExecutable(binary: string, pathEnv: string): string | undefined {
  const candidates = binary.includes('/')
    ? [binary]
    : pathEnv
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, binary));
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
