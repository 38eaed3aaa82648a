// The id of one run (SAMOCODE_RUN_ID in its agents' environment, the session lock): a random UUID (version 4).
// From the kernel's random source directly: node:crypto (randomUUID) costs ~5 ms to load at start-up, on the way to
// the first agent spawn, and nothing else needs it there. The same source crypto draws from; crypto only where
// there is no /dev/urandom.
import { closeSync, openSync, readSync } from 'node:fs';

export async function newRunId(): Promise<string> {
  const bytes = Buffer.alloc(16);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, bytes, 0, 16, null) !== 16) throw new Error('short read');
    } finally {
      closeSync(fd);
    }
  } catch {
    return (await import('node:crypto')).randomUUID();
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
