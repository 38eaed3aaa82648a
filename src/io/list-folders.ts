import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folders directly under `dir` (none when it does not exist); an entry that vanishes or cannot be stat'ed is left out. */
export function listFolders(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((entry) => {
    try {
      return statSync(join(dir, entry)).isDirectory();
    } catch {
      return false;
    }
  });
}
