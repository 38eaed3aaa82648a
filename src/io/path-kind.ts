// What a path is, following symlinks (a symlinked folder, e.g. ~/.claude kept in a dotfiles repo, counts as that
// folder); anything that cannot be stat'ed is neither.
import { statSync } from 'node:fs';

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
