// The job id of a session, the same on every back end: the short name of its folder, so `26-11-21-add-auth` and
// `add-auth` are one job.
import { findSessionFolder, shortName } from '../core/session-name.js';
import { listFolders } from '../io/list-folders.js';

export function jobIdFor(sessions: string, session: string): string {
  const match = findSessionFolder(session, listFolders(sessions));
  return shortName(match.kind === 'found' ? match.folder : session);
}
