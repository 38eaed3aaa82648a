// V8's heap flags for a long agent stream, set once the start is over (the first agent's spawn: io/agent-spawned.ts).
// Why late: V8 keys every code cache by a hash of its flags, Node's own cache of its built-in modules included. Set
// at launch, they made each built-in module loaded on the way to the first spawn (child_process, tty, os, …) compile
// from its source instead: ~10 ms of a ~115 ms start (bench). Nothing streams before the first agent runs.
// Why these: peak RSS flat in the agent's stream size (bench: 1 GB of stream-json was 143–165 MB, with them ~73).
// Both are read when V8 decides, not when the heap is set up, so setting them at run time works (unlike
// --max-semi-space-size, which needs a launch flag; Node documents run-time flag changes as undefined behaviour:
// tests/integration/heap-limits.test.ts catches the first one breaking).
// - The young generation doubles (up to 2 × 16 MB semi-spaces) each time enough of it has survived scavenges, and a
//   long stream (millions of short-lived lines) always gets there: growth factor 1 keeps it at its starting size.
// - After a full GC the old generation may grow to 4 × what was live before the next one (GC is cheap here, so V8
//   picks its largest factor): ~8 MB live let a long stream's leftovers pile up to 32 MB. At most 2 × instead.
import { createRequire } from 'node:module';

const SMALL_HEAP = ['--semi-space-growth-factor=1', '--heap-growing-percent=100'];
/** The same flags at Node 20's V8 defaults: while they are set, V8's flag hash is a plain start's again. */
const V8_DEFAULTS = ['--semi-space-growth-factor=2', '--heap-growing-percent=0'];

let small = false;
/** node:v8 on first use: it loads its heap utilities, which nothing before the first spawn needs. */
let setFlags: ((flags: string) => void) | undefined;

function set(flags: readonly string[]): void {
  setFlags ??= (createRequire(__filename)('node:v8') as typeof import('node:v8')).setFlagsFromString;
  for (const flag of flags) setFlags(flag);
}

/** From now on, a small heap (once; later calls do nothing). */
export function useSmallHeap(): void {
  if (small) return;
  small = true;
  set(SMALL_HEAP);
}

/**
 * `make` run with V8's default flags: a code cache made now matches the next start, which compiles before the flags
 * are set (a cache made under other flags is rejected by V8 and only costs that start a cold compile).
 */
export function withStartFlags<T>(make: () => T): T {
  if (!small) return make();
  set(V8_DEFAULTS);
  try {
    return make();
  } finally {
    set(SMALL_HEAP);
  }
}
