// Who a pid is, beyond the number: pids are reused, so a lock or a record that names a pid also names the process's
// start time (Linux /proc/<pid>/stat field 22, clock ticks since boot) and the boot it belongs to. Elsewhere (no
// /proc) both read as undefined and callers fall back to "the pid is alive".
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  /** Start time of the process in clock ticks since boot, as a decimal string. */
  startTicks?: string | undefined;
  /** /proc/sys/kernel/random/boot_id: a reboot makes every recorded start time meaningless. */
  bootId?: string | undefined;
}

export function identityOf(pid: number): ProcessIdentity {
  return { startTicks: startTicksOf(pid), bootId: bootId() };
}

function startTicksOf(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, which may itself hold spaces or parentheses) start at field 3.
    const value = text.slice(text.lastIndexOf(')') + 2).split(' ')[22 - 3];
    return value && /^\d+$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

let cachedBootId: string | null | undefined;

function bootId(): string | undefined {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId ?? undefined;
}

/** The command line of a running process (NULs as spaces), or undefined where it cannot be read. */
export function commandLineOf(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text ? text.split('\0').join(' ').trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the live process `pid` is still the one that was recorded with `recorded`. False when the boot or the
 * start time differ (the pid was reused); true when either side could not be read (no /proc: trust the pid).
 */
export function sameProcess(pid: number, recorded: ProcessIdentity): boolean {
  const now = identityOf(pid);
  if (recorded.bootId && now.bootId && recorded.bootId !== now.bootId) return false;
  if (recorded.startTicks && now.startTicks) return recorded.startTicks === now.startTicks;
  return true;
}
