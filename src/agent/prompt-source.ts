// workflow.md and agents/<phase>-agent.md, read once per run from the package (they do not change mid-run).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Phase } from '../core/phases.js';

/** The package root: the nearest folder above this code holding workflow.md (dist/ when bundled, src/agent/ in tests). */
export const PACKAGE_ROOT = findRoot(import.meta.dirname);

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'workflow.md')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

export interface PromptSource {
  workflow(): Promise<string>;
  phase(phase: Phase): Promise<string>;
}

export function packagePrompts(root = PACKAGE_ROOT): PromptSource {
  const cache = new Map<string, Promise<string>>();
  const read = (relative: string) => {
    let text = cache.get(relative);
    if (!text) {
      // Read at once (a few KB of the package's own files): fs/promises would cost ~2 ms to load on the way to the
      // first spawn, and nothing else there needs it.
      text = new Promise<string>((resolve) => resolve(readFileSync(join(root, relative), 'utf8')));
      cache.set(relative, text);
    }
    return text;
  };
  return {
    workflow: () => read('workflow.md'),
    phase: (phase) => read(join('agents', `${phase}-agent.md`)),
  };
}
