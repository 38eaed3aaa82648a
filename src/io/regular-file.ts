// The session's files are the agent's to write, so a FIFO, a socket or a device may stand where a file should be.
// Opening one must never block (a FIFO's open waits for its other end, and a blocked synchronous open leaves even
// SIGTERM unanswered), and only a regular file is read or appended to: anything else is a SessionStateError that
// names it.
import { closeSync, constants, fstatSync, openSync, readSync, writeSync, type Stats } from 'node:fs';
import { SessionStateError } from '../errors.js';

/** `'a'`, and `'w'`: the flags of an append and of a rewrite, for openRegularFile. */
export const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
export const REWRITE = constants.O_WRONLY | constants.O_TRUNC | constants.O_CREAT;

export interface OpenedFile {
  fd: number;
  size: number;
}

/**
 * `file` opened without blocking (for reading unless `flags` say otherwise), checked to be a regular file; undefined
 * when it does not exist (unless `flags` create it). The caller closes `fd`.
 */
export function openRegularFile(
  file: string,
  flags: number = constants.O_RDONLY,
  mode?: number,
): OpenedFile | undefined {
  let fd: number;
  try {
    fd = openSync(file, flags | constants.O_NONBLOCK, mode);
  } catch (error) {
    // Missing is an answer when reading; when creating, it means the folder is gone, which the caller must hear.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (flags & constants.O_CREAT) === 0) return undefined;
    // A FIFO with no reader refuses a non-blocking open for writing.
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') throw notRegularFile(file, 'a FIFO (named pipe)', flags);
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notRegularFile(file, kindOf(stat), flags);
    return { fd, size: stat.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * A small regular file's text: null when nothing is there, undefined when it is not one to read (bigger than
 * `maxBytes`, not a regular file, unreadable). Never blocks on a FIFO, never reads a huge file whole: for files the
 * agent can reach that samocode only peeks at (git's metadata in a worktree).
 */
export function readSmallFile(file: string, maxBytes: number): string | null | undefined {
  try {
    const opened = openRegularFile(file);
    if (!opened) return null;
    try {
      return opened.size <= maxBytes ? readEnd(opened, opened.size).toString('utf8') : undefined;
    } finally {
      closeSync(opened.fd);
    }
  } catch {
    return undefined;
  }
}

/** The last `bytes` of `file` (all of it when shorter), as read from `opened`. */
export function readEnd(opened: OpenedFile, bytes: number): Buffer {
  const length = Math.min(opened.size, bytes);
  const buffer = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const read = readSync(opened.fd, buffer, got, length - got, opened.size - length + got);
    if (read === 0) break;
    got += read;
  }
  return buffer.subarray(0, got);
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  return 'a device';
}

function notRegularFile(file: string, what: string, flags: number): SessionStateError {
  const writing = (flags & (constants.O_WRONLY | constants.O_RDWR)) !== 0;
  return new SessionStateError(
    `${file} is ${what}, not a regular file; samocode did not ${writing ? 'write to' : 'read'} it. Move it away (or replace it with the file it should be) and run again.`,
  );
}

/** `data` written to `file` (created or cut to nothing first), never blocking on what stands there. */
export function writeRegularFile(file: string, data: Uint8Array): void {
  writeWhole(file, REWRITE, data);
}

/** `data` appended to `file` (created if missing), never blocking on what stands there. */
export function appendRegularFile(file: string, data: Uint8Array): void {
  writeWhole(file, APPEND, data);
}

function writeWhole(file: string, flags: number, data: Uint8Array): void {
  // Never undefined: O_CREAT makes the file, or the open throws.
  const { fd } = openRegularFile(file, flags, 0o666)!;
  try {
    for (let written = 0; written < data.length;) written += writeSync(fd, data, written);
  } finally {
    closeSync(fd);
  }
}
