// The rooms of src/ and what each may import (docs/architecture.md): read every import of every source file, put
// each file in its room, and check the rules and that no two rooms import each other, directly or round a cycle.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const ADAPTER = ['core', 'io', 'errors', 'loop/ports'];
/** Room → the rooms it may import. `loop/ports` is the one file of loop/ an adapter may see (its port types). */
const MAY_IMPORT: Record<string, readonly string[] | 'all'> = {
  core: [],
  errors: ['core'],
  loop: ['core'],
  queue: [...ADAPTER, 'config'],
  ...Object.fromEntries(['agent', 'io', 'log', 'telegram', 'config', 'gates'].map((room) => [room, ADAPTER])),
  commands: 'all',
  cli: 'all',
  /**
   * dist/cli.js: compiles and runs the CLI bundle with V8's code cache; it loads the bundle, it imports none of it but
   * the name of the event that ends the start (io/agent-spawned.ts, a constant).
   */
  launcher: ['io/agent-spawned'],
  /** The dashboard's page (src/web): browser code, bundled on its own; it shares nothing with the Node side. */
  web: [],
};
/** What the pure core may take from outside src/: no fs, child_process, timers or logger. */
const CORE_PACKAGES =
  /^(zod\/mini|zod\/v4\/locales\/en\.js|gray-matter|picomatch|string-width|node:util|node:path|@secretlint\/.+)$/;
/** The one way in to zod: its mini API with English messages (the classic API costs every start ~1–1.5 ms to load). */
const ZOD_MODULE = 'core/zod.ts';

interface Edge {
  from: string;
  to: string;
}

/** `core/x.ts` → core; `commands/run/run.ts` → commands/run (each command is a room); `cli.ts` → cli. */
function roomOf(file: string): string {
  const parts = file.replace(/\.ts$/, '').split('/');
  if (parts.length === 1) return parts[0]!;
  return parts[0] === 'commands' && parts.length > 2 ? `commands/${parts[1]}` : parts[0]!;
}

function allowed(from: string, toFile: string): boolean {
  const to = roomOf(toFile);
  const rule = MAY_IMPORT[from.split('/')[0]!];
  if (from === to || rule === 'all') return to !== 'cli';
  return rule !== undefined && (rule.includes(to) || rule.includes(toFile.replace(/\.ts$/, '')));
}

/** Every rule broken by `edges` (file → file or package), each as one line. */
function brokenRules(edges: Edge[]): string[] {
  const problems: string[] = [];
  const rooms = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const source = roomOf(from);
    if (!to.startsWith('.')) {
      if (/^zod(\/|$)/.test(to) && from !== ZOD_MODULE)
        problems.push(`${from} imports ${to}: import zod from ${ZOD_MODULE} (its mini API, English messages)`);
      if (source === 'core' && !CORE_PACKAGES.test(to)) problems.push(`${from} imports ${to}: core is pure`);
      if (source === 'web') problems.push(`${from} imports ${to}: web runs in the browser, offline: no packages`);
      continue;
    }
    const target = join(dirname(from), to).replace(/\.js$/, '.ts');
    if (!allowed(source, target))
      problems.push(`${from} imports ${target}: ${source} may not import ${roomOf(target)}`);
    if (roomOf(target) !== source) rooms.set(source, (rooms.get(source) ?? new Set()).add(roomOf(target)));
  }
  const reaches = (start: string, goal: string, seen = new Set<string>()): boolean =>
    [...(rooms.get(start) ?? [])].some(
      (next) => next === goal || (!seen.has(next) && seen.add(next) && reaches(next, goal, seen)),
    );
  for (const room of rooms.keys())
    if (reaches(room, room)) problems.push(`${room} is on a cycle of rooms importing each other`);
  return problems;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function sourceEdges(): Edge[] {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  return files.flatMap((file) =>
    [...readFileSync(join(SRC, file), 'utf8').matchAll(IMPORT)].map((m) => ({ from: file, to: m[1]! })),
  );
}

describe('import rules', () => {
  test('src/ keeps them', () => {
    const edges = sourceEdges();
    expect(edges.length).toBeGreaterThan(200);
    expect(brokenRules(edges)).toEqual([]);
  });

  test.each([
    ['core → an adapter', { from: 'core/a.ts', to: '../agent/b.js' }, 'core may not import agent'],
    ['core → errors.ts', { from: 'core/a.ts', to: '../errors.js' }, 'core may not import errors'],
    ['core → the file system', { from: 'core/a.ts', to: 'node:fs' }, 'core is pure'],
    ['loop → io', { from: 'loop/run-session.ts', to: '../io/x.js' }, 'loop may not import io'],
    [
      'an adapter → loop beyond its ports',
      { from: 'telegram/a.ts', to: '../loop/run-session.js' },
      'telegram may not import loop',
    ],
    ['gates → config', { from: 'gates/a.ts', to: '../config/settings.js' }, 'gates may not import config'],
    ['an adapter → config', { from: 'agent/a.ts', to: '../config/settings.js' }, 'agent may not import config'],
    ['an adapter → a command', { from: 'io/a.ts', to: '../commands/run/run.js' }, 'io may not import commands/run'],
    [
      'the queue → a command',
      { from: 'queue/a.ts', to: '../commands/run/run.js' },
      'queue may not import commands/run',
    ],
    ['the queue → the loop', { from: 'queue/a.ts', to: '../loop/run-session.js' }, 'queue may not import loop'],
    ['web → core', { from: 'web/app.ts', to: '../core/state.js' }, 'web may not import core'],
    ['web → a package', { from: 'web/app.ts', to: 'zod' }, 'web runs in the browser'],
    ["zod's classic API", { from: 'agent/streams/a.ts', to: 'zod' }, 'import zod from core/zod.ts'],
    ['zod/mini, but not through core/zod.ts', { from: 'core/a.ts', to: 'zod/mini' }, 'import zod from core/zod.ts'],
    ['a command → cli.ts', { from: 'commands/run/run.ts', to: '../../cli.js' }, 'commands/run may not import cli'],
  ])('a broken rule is found: %s', (_, edge, problem) => {
    expect(brokenRules([edge]).join('\n')).toContain(problem);
  });

  test('a cycle of rooms is found, also between two commands', () => {
    expect(
      brokenRules([
        { from: 'agent/a.ts', to: '../io/b.js' },
        { from: 'io/b.ts', to: '../agent/a.js' },
      ]),
    ).toContain('agent is on a cycle of rooms importing each other');
    const commands = [
      { from: 'commands/run/a.ts', to: '../inspect/b.js' },
      { from: 'commands/inspect/b.ts', to: '../run/a.js' },
    ];
    expect(brokenRules(commands)).toContain('commands/run is on a cycle of rooms importing each other');
    expect(
      brokenRules([
        { from: 'agent/a.ts', to: '../core/b.js' },
        { from: 'commands/run/a.ts', to: '../inspect/b.js' },
      ]),
    ).toEqual([]);
  });
});
