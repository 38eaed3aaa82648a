// `GET /api/sessions/<name>/delivery[/<file>]`: the delivery of a done session (`_delivery/`: summary.md, the
// patches, combined.mbox). A file is served only by a name from the folder's own listing, and only a regular file
// that is not a link: the name in the URL never becomes part of a path.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { SUMMARY_MD } from '../../core/delivery.js';
import { DELIVERY_DIR } from '../../core/session-files.js';
import { sessionOf } from '../json/actions.js';
import { ApiError } from './http.js';
import { readSessionFile } from './session-file.js';

/** A delivery file larger than this is not served whole (the page links the folder instead). */
export const MAX_DELIVERY_FILE_BYTES = 16 * 1024 * 1024;

export function deliveryListing(config: Config, name: string): { summary: string; files: string[] } {
  const dir = deliveryDir(config, name);
  const files = regularFiles(dir);
  const summary = files.includes(SUMMARY_MD) ? readSessionFile(join(dir, SUMMARY_MD), MAX_DELIVERY_FILE_BYTES) : null;
  return { summary: summary?.kind === 'text' ? summary.text : '', files: files.filter((f) => f !== SUMMARY_MD) };
}

export function deliveryFile(config: Config, name: string, file: string): string {
  const dir = deliveryDir(config, name);
  const listed = regularFiles(dir).find((f) => f === file);
  if (listed === undefined)
    throw new ApiError('not_found', `${DELIVERY_DIR}/ of session "${name}" has no file ${JSON.stringify(file)}`);
  const read = readSessionFile(join(dir, listed), MAX_DELIVERY_FILE_BYTES);
  if (read.kind !== 'text') throw new ApiError('not_found', `${DELIVERY_DIR}/${listed} cannot be read`);
  if (read.cut)
    throw new ApiError('too_large', `${DELIVERY_DIR}/${listed} has ${read.size} bytes; take it from ${dir} instead`);
  return read.text;
}

function deliveryDir(config: Config, name: string): string {
  const session = sessionOf(config, { session: name });
  return join(session.dir, DELIVERY_DIR);
}

/** The names of the regular files directly in `dir` (no links, no folders), sorted; none when it does not exist. */
function regularFiles(dir: string): string[] {
  try {
    // `_delivery` itself a link (made by the agent, say) would lead out of the session folder.
    if (!lstatSync(dir).isDirectory()) return [];
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}
