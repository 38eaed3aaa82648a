import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { SessionStateError } from '../errors.js';

/**
 * The file's text, or undefined when it does not exist (any other error is thrown). The session's files are the
 * agent's to write, so a FIFO or a device where a file should be must not hang the orchestrator: the open never
 * blocks, and only a regular file is read (anything else is a SessionStateError that names it).
 */
export function readIfExists(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const what = stat.isDirectory()
        ? 'a directory'
        : stat.isFIFO()
          ? 'a FIFO (named pipe)'
          : stat.isSocket()
            ? 'a socket'
            : 'a device';
      throw new SessionStateError(
        `${file} is ${what}, not a regular file; samocode did not read it. Move it away (or replace it with the file it should be) and run again.`,
      );
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
