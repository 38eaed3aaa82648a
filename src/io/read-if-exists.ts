import { closeSync, readFileSync } from 'node:fs';
import { openRegularFile } from './regular-file.js';

/**
 * The file's text, or undefined when it does not exist (any other error is thrown). A FIFO or a device where the file
 * should be never hangs the orchestrator: it is a SessionStateError that names it (io/regular-file.ts).
 */
export function readIfExists(file: string): string | undefined {
  const opened = openRegularFile(file);
  if (!opened) return undefined;
  try {
    return readFileSync(opened.fd, 'utf8');
  } finally {
    closeSync(opened.fd);
  }
}
