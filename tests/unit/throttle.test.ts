// io/throttle.ts: the agent's pid told at once, then at most once per interval (fake timers, a fake clock).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { throttled } from '../../src/io/throttle.js';

describe('throttled', () => {
  let clock = 0;
  const now = () => clock;
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };
  beforeEach(() => {
    clock = 1000;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  test('the first change is told at once; a burst within the interval is folded into its last value', () => {
    const told: (number | undefined)[] = [];
    const t = throttled<number | undefined>(250, (v) => told.push(v), now);
    t.set(1);
    expect(told).toEqual([1]);
    t.set(undefined);
    t.set(2);
    t.set(undefined);
    t.set(3);
    expect(told).toEqual([1]);
    advance(250);
    expect(told).toEqual([1, 3]);
  });

  test('a change after a quiet interval is told at once again', () => {
    const told: number[] = [];
    const t = throttled<number>(250, (v) => told.push(v), now);
    t.set(1);
    advance(1000);
    t.set(2);
    expect(told).toEqual([1, 2]);
  });

  test('a burst that ends where it started tells nothing more', () => {
    const told: (number | undefined)[] = [];
    const t = throttled<number | undefined>(250, (v) => told.push(v), now);
    t.set(undefined);
    t.set(5);
    t.set(undefined);
    advance(250);
    expect(told).toEqual([undefined]);
  });

  test('cancel drops the pending value: nothing is told after the clean-up', () => {
    const told: number[] = [];
    const t = throttled<number>(250, (v) => told.push(v), now);
    t.set(1);
    t.set(2);
    t.cancel();
    advance(1000);
    expect(told).toEqual([1]);
  });

  test('a failing telling does not throw out of a timer, and the next change tries again', () => {
    let fail = true;
    const told: number[] = [];
    const t = throttled<number>(
      250,
      (v) => {
        if (fail) throw new Error('ENOSPC');
        told.push(v);
      },
      now,
    );
    expect(() => t.set(1)).not.toThrow();
    fail = false;
    advance(1000);
    t.set(1);
    expect(told).toEqual([1]);
  });
});
