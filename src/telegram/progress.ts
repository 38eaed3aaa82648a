// The optional progress message (SAMOCODE_TELEGRAM_PROGRESS_MINUTES): every N minutes while an iteration runs, one
// new message, sent silently. A new message rather than one edited in place: an edit stays up the chat where the
// person no longer looks and would need Telegram's message id back through the outbox; a silent one lands at the
// bottom without making the phone buzz. The timer runs only between an iteration's start and its end.
import type { SessionEvent } from '../loop/ports.js';

export interface ProgressOptions {
  everyMs: number;
  /** Called on each tick with when the iteration started (its first attempt) and the event that started it. */
  tick: (startedMs: number, started: Extract<SessionEvent, { type: 'iteration-start' }>) => void;
}

export class ProgressTimer {
  private timer: NodeJS.Timeout | undefined;
  private iteration: number | undefined;
  private startedMs = 0;

  constructor(private readonly opts: ProgressOptions) {}

  /** Follows the loop's events: an iteration's start arms the timer (a retry keeps its start), anything else that ends or pauses it stops it. */
  onEvent(event: SessionEvent): void {
    if (event.type === 'iteration-start') {
      if (event.iteration !== this.iteration) {
        this.iteration = event.iteration;
        this.startedMs = Date.now();
      }
      this.stop();
      const startedMs = this.startedMs;
      this.timer = setInterval(() => this.opts.tick(startedMs, event), this.opts.everyMs);
      this.timer.unref();
      return;
    }
    // A retry's wait and a corrective attempt are still the iteration; its end, or the run pausing, is not.
    if (event.type === 'retry' || event.type === 'corrective' || event.type === 'budget') return;
    this.stop();
    if (event.type === 'iteration-end') this.iteration = undefined;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
