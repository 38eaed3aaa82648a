// A value told to the outside world (a file, a pipe) at most once per interval: the first change at once, the
// changes that follow within the interval folded into one, told when it ends. For the agent's pid, which changes
// twice per iteration: a fast loop of short agents writes its record a few times a second, not twice per iteration.
export interface Throttled<T> {
  /** The new value: told now if the last telling is an interval ago, else at the end of the interval. */
  set(value: T): void;
  /** Drop what is pending (the run is over: nothing may be written after its clean-up). */
  cancel(): void;
}

export function throttled<T>(
  intervalMs: number,
  tell: (value: T) => void,
  now: () => number = () => performance.now(),
): Throttled<T> {
  let latest: { value: T } | undefined;
  let told: { value: T } | undefined;
  let toldAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!latest || (told && Object.is(told.value, latest.value))) return;
    told = latest;
    toldAt = now();
    try {
      tell(latest.value);
    } catch {
      // best effort: a failed telling is retried by the next change
      told = undefined;
    }
  };
  return {
    set(value) {
      latest = { value };
      if (timer) return;
      const wait = toldAt + intervalMs - now();
      if (wait <= 0) flush();
      else {
        timer = setTimeout(flush, wait);
        timer.unref();
      }
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      latest = undefined;
    },
  };
}
