#!/usr/bin/env node
// dist/cli.js, the `orchestrate` command: runs the CLI (dist/samocode.cjs, src/cli.ts and everything it loads in one
// CommonJS file, built by build.mjs) compiled with V8's code cache of an earlier start.
// Why: Node 20 has neither a module compile cache (22.1+) nor user-land snapshots without launch flags. As ES modules
// over dozens of chunks, the start paid Node's module loader (resolve, translate, link) and a cold compile of each
// chunk: ~70–90 ms of the way to the first agent spawn. One script compiled with vm.Script and the cached data of
// the last start skips both. A missing, rejected (another V8, other flags) or untrusted cache only costs speed.
//
// SAMOCODE_CODE_CACHE=off: neither read nor write a cache; =report: say on stderr what the cache did.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { AGENT_SPAWNED } from '../io/agent-spawned.js';
import { cacheAtSpawn, cacheDirs, cacheFileName, cacheKind, readCache, writeCache } from './code-cache.js';
import { useSmallHeap, withStartFlags } from './heap-flags.js';

// V8's heap flags for a long stream wait for the first agent's spawn: set before, they would cost the start its
// built-in modules' code cache (heap-flags.ts).
process.once(AGENT_SPAWNED, useSmallHeap);

/** The bundle's content hash, written in by build.mjs: a cache of another build is never even read. */
declare const SAMOCODE_BUNDLE_HASH: string;
/**
 * When a command that spawns no agent writes its complete cache: by then it has done what it starts with. A command
 * that ends sooner writes a partial one as it exits, which the next start that lives this long replaces. A command
 * that spawns agents writes its complete cache right after the first spawn instead (code-cache.ts cacheAtSpawn).
 */
const WRITE_AFTER_MS = 2000;
const dir = __dirname;
const bundle = join(dir, 'samocode.cjs');
const mode = process.env.SAMOCODE_CODE_CACHE;
const report = mode === 'report' ? (line: string) => process.stderr.write(`samocode code cache: ${line}\n`) : undefined;
// The command, as cli.ts will read it: a first word, else the default `run` (checked against the bundle's own list
// before a cache is written: a typo makes no file).
const word = process.argv[2];
const command = word !== undefined && /^[a-z][a-z-]{0,31}$/.test(word) ? word : 'run';
const kind = cacheKind(command, process.argv.slice(2));

const uid = process.getuid?.();
const dirs = mode === 'off' ? [] : cacheDirs(dir, { uid, home: homedir(), env: process.env });
const name = cacheFileName(SAMOCODE_BUNDLE_HASH, process.version, process.arch, kind);
const { script, accepted, complete } = compile();

const module = { exports: {} as { COMMAND_NAMES?: readonly string[] }, filename: bundle, id: bundle };
if (uid !== undefined && dirs.length > 0 && !(accepted && complete)) scheduleWrite(uid, !accepted);
const run = script.runInThisContext() as (...args: unknown[]) => void;
run.call(module.exports, module.exports, requireFor(bundle), module, bundle, dir, (id: string) => import(id));

/**
 * The bundle compiled with the cache, if there is one to trust. In a function of its own so that nothing here keeps
 * the cache's buffer alive once V8 has what it keeps.
 */
function compile(): { script: Script; accepted: boolean; complete: boolean } {
  // The file is one function expression (build.mjs wraps it), pure ASCII: one byte a character. Read as bytes and
  // made a Latin-1 string: ~1 ms less than readFileSync's own decoding of 0.8 MB as UTF-8 (or as Latin-1) here.
  const source = readFileSync(bundle).toString('latin1');
  const cached = readCache(dirs, name, uid);
  const compiled = new Script(source, { filename: bundle, cachedData: cached?.data });
  const used = cached !== undefined && !compiled.cachedDataRejected;
  if (dirs.length === 0) report?.('off');
  else if (used) report?.(`used ${cached.file}${cached.complete ? '' : ' (partial)'}`);
  else report?.(cached ? `${cached.file} rejected by V8` : `none yet for ${kind}`);
  return { script: compiled, accepted: used, complete: used && cached.complete };
}

/**
 * The complete cache: at the first agent spawn for a command that spawns agents, else after WRITE_AFTER_MS. A
 * partial one at an earlier exit, or when a run has spawned none by WRITE_AFTER_MS (a session that waits for its
 * person), when there was none to use: the next start that spawns replaces it.
 */
function scheduleWrite(owner: number, hadNone: boolean): void {
  let pending = true;
  const write = (complete: boolean) => {
    if (!pending) return;
    pending = false;
    clearTimeout(timer);
    process.removeListener('exit', onExit);
    process.removeListener(AGENT_SPAWNED, onSpawn);
    if (!module.exports.COMMAND_NAMES?.includes(command)) return;
    try {
      const data = withStartFlags(() => script.createCachedData());
      const file = writeCache(dirs, name, { data, complete }, owner);
      report?.(file ? `wrote ${file}${complete ? '' : ' (partial)'}` : `no folder took it (${dirs.join(', ')})`);
    } catch (error) {
      report?.(`not written: ${(error as Error).message}`);
    }
  };
  const atSpawn = cacheAtSpawn(command);
  // Then and there, the agent running: what the run does next (the logger it makes then, log/later-log.ts, the agent's
  // output, the signal) compiles without the cache, once per run, while the agent works.
  const onSpawn = () => write(true);
  const onExit = () => write(false);
  const timer = setTimeout(() => {
    if (!atSpawn) write(true);
    else if (hadNone) {
      // Kept listening: a run that waited may spawn later, and then writes a complete one over this.
      write(false);
      pending = true;
      process.once(AGENT_SPAWNED, onSpawn);
    }
  }, WRITE_AFTER_MS);
  timer.unref();
  if (atSpawn) process.once(AGENT_SPAWNED, onSpawn);
  if (hadNone) process.once('exit', onExit);
}

/**
 * The bundle's `require`, from its own folder. js-yaml (under gray-matter) tries require('esprima') at load time,
 * only for its unsafe !!js/function type that samocode never parses (safeLoad): refusing it saves loading ~300 KB at
 * every start; js-yaml carries on without it.
 */
function requireFor(file: string): NodeJS.Require {
  const base = createRequire(file);
  return Object.assign((id: string): unknown => {
    if (id === 'esprima') throw new Error('esprima is not used');
    return base(id);
  }, base);
}
