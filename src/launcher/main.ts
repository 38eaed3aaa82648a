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
import { cacheDirs, cacheFileName, cacheKind, readCache, writeCache } from './code-cache.js';
import { useSmallHeap, withStartFlags } from './heap-flags.js';

// V8's heap flags for a long stream wait for the first agent's spawn: set before, they would cost the start its
// built-in modules' code cache (heap-flags.ts).
process.once(AGENT_SPAWNED, useSmallHeap);

/** The bundle's content hash, written in by build.mjs: a cache of another build is never even read. */
declare const SAMOCODE_BUNDLE_HASH: string;
/**
 * A complete cache is written this long after the start: by then a run has spawned its agent, so the cache holds
 * the code of the whole way there, and the write happens while the agent works, not on that way. A command that
 * ends sooner writes a partial one as it exits, which the next start that lives this long replaces.
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
  // The file is one function expression (build.mjs wraps it), pure ASCII: compiled as read, one byte a character.
  const source = readFileSync(bundle, 'utf8');
  const cached = readCache(dirs, name, uid);
  const compiled = new Script(source, { filename: bundle, cachedData: cached?.data });
  const used = cached !== undefined && !compiled.cachedDataRejected;
  if (dirs.length === 0) report?.('off');
  else if (used) report?.(`used ${cached.file}${cached.complete ? '' : ' (partial)'}`);
  else report?.(cached ? `${cached.file} rejected by V8` : `none yet for ${kind}`);
  return { script: compiled, accepted: used, complete: used && cached.complete };
}

/** A complete cache after WRITE_AFTER_MS; a partial one at an earlier exit when there was none to use. */
function scheduleWrite(owner: number, atExit: boolean): void {
  const write = (complete: boolean) => {
    clearTimeout(timer);
    process.removeListener('exit', onExit);
    if (!module.exports.COMMAND_NAMES?.includes(command)) return;
    try {
      const data = withStartFlags(() => script.createCachedData());
      const file = writeCache(dirs, name, { data, complete }, owner);
      report?.(file ? `wrote ${file}${complete ? '' : ' (partial)'}` : `no folder took it (${dirs.join(', ')})`);
    } catch (error) {
      report?.(`not written: ${(error as Error).message}`);
    }
  };
  const onExit = () => write(false);
  const timer = setTimeout(() => write(true), WRITE_AFTER_MS);
  timer.unref();
  if (atExit) process.once('exit', onExit);
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
