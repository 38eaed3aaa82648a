// Reads a file that may still grow, line by line from a position, in chunks: memory holds one chunk and one line,
// and a line longer than MAX_LINE (a runaway tool output in a 1 GB log) is skipped rather than buffered.
// Read-only: a missing file (or one that is not a regular file) reads as empty until it appears.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { MAX_LINE_BYTES } from '../../agent/streams/index.js';

const CHUNK = 256 * 1024;

export class LineTail {
  private fd: number | undefined;
  private position = 0;
  private partial = '';
  private skipping = false;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.alloc(CHUNK);

  /** `lastBytes`: start that far from the end the file has when first opened (its cut first line is dropped). */
  constructor(
    readonly file: string,
    private readonly lastBytes?: number,
  ) {}

  /** Every complete line written since the last call, in order; an unfinished last line waits for its newline. */
  read(onLine: (line: string) => void): void {
    while (this.readChunk(onLine));
  }

  /** Like read, one chunk at a time (a slow reader of the output can pause in between); false at the end. */
  readChunk(onLine: (line: string) => void): boolean {
    if (this.fd === undefined) {
      let fd: number;
      try {
        // Never blocks: a FIFO or a device where the log should be reads as empty, not as a hang.
        fd = openSync(this.file, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        return false;
      }
      if (!fstatSync(fd).isFile()) {
        closeSync(fd);
        return false;
      }
      this.fd = fd;
      const size = fstatSync(fd).size;
      if (this.lastBytes !== undefined && size > this.lastBytes) {
        this.position = size - this.lastBytes;
        this.skipping = true;
      }
    }
    const size = fstatSync(this.fd).size;
    // Cut back under us (io/log-cap.ts keeps the head and tail): go on from the new end, at the next line.
    if (size < this.position) {
      this.position = size;
      this.partial = '';
      this.skipping = true;
    }
    if (size === this.position) return false;
    const read = readSync(this.fd, this.buffer, 0, Math.min(CHUNK, size - this.position), this.position);
    if (read <= 0) return false;
    this.position += read;
    const lines = (this.partial + this.decoder.write(this.buffer.subarray(0, read))).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (this.skipping) this.skipping = false;
      else onLine(line.replace(/\r$/, ''));
    }
    if (this.partial.length > MAX_LINE_BYTES) {
      this.partial = '';
      this.skipping = true;
    }
    return true;
  }

  /** The rest, including a last line without its newline (the writer has ended), then close. */
  finish(onLine: (line: string) => void): void {
    this.read(onLine);
    if (this.partial !== '' && !this.skipping) onLine(this.partial);
    this.partial = '';
    this.close();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
