// workflow.md and agents/<phase>-agent.md, read once per run from the package (they do not change mid-run).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Phase } from '../core/phases.js';

/** The package root: dist/agent/ → ../../ */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PromptSource {
  workflow(): Promise<string>;
  phase(phase: Phase): Promise<string>;
}

export function packagePrompts(root = PACKAGE_ROOT): PromptSource {
  const cache = new Map<string, Promise<string>>();
  const read = (relative: string) => {
    let text = cache.get(relative);
    if (!text) {
      text = readFile(`${root}${relative}`, 'utf8');
      cache.set(relative, text);
    }
    return text;
  };
  return {
    workflow: () => read('workflow.md'),
    phase: (phase) => read(`agents/${phase}-agent.md`),
  };
}
