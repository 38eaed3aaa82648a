// Which folder under SESSIONS a --session name means: an existing session's (by its full or short name) or a new
// dated one. Shared by run (which may create it) and the read-only inspect commands.
import type { Config } from '../core/config.js';
import { checkSessionName, datedFolderName, findSessionFolder } from '../core/session-name.js';
import { UsageError } from '../errors.js';
import { listFolders } from './list-folders.js';

export function sessionFolderFor(config: Config, name: string): { folder: string; exists: boolean } {
  const problem = checkSessionName(name, config.branchPrefix);
  if (problem) throw new UsageError(problem);
  const entries = listFolders(config.sessions);
  const match = findSessionFolder(name, entries);
  if (match.kind === 'ambiguous') {
    throw new UsageError(
      `--session ${name} matches ${match.folders.length} sessions under ${config.sessions}: ${match.folders.join(', ')}. Pass the full folder name, e.g. --session ${match.folders.at(-1)}.`,
    );
  }
  return match.kind === 'found'
    ? { folder: match.folder, exists: true }
    : { folder: datedFolderName(name, new Date()), exists: false };
}

export function noSuchSession(config: Config, name: string): UsageError {
  return new UsageError(`there is no session "${name}" under ${config.sessions}; start one with --task "what to do"`);
}
