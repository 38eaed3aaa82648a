import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/**
 * Folders directly under `dir` (none when it does not exist); an entry that vanishes or cannot be stat'ed is left out.
 * The entry types come with the listing, so a stat is only made for a link (to a folder or not) or an entry whose
 * type the file system does not tell: not one per session at every start.
 */
export function listFolders(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((entry) => isFolder(dir, entry)).map((entry) => entry.name);
}

function isFolder(dir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink() && otherKnownType(entry)) return false;
  try {
    return statSync(join(dir, entry.name)).isDirectory();
  } catch {
    return false;
  }
}

const otherKnownType = (entry: Dirent) =>
  entry.isFile() || entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice();
