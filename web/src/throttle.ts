// A leading-and-trailing throttle with an injectable clock: the first call
// runs at once, later calls within the interval are merged into one call at
// its end (with the latest arguments), and flush() runs a pending call now.
// The transform gizmo streams its writes through one (≥ 30 Hz while
// dragging); presence broadcasts through another (≤ 10 Hz).

/** Time and timers, so tests can drive a throttle by hand. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The browser's (or Node's) clock. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A throttled function of A. */
export class Throttle<A extends unknown[]> {
  readonly #fn: (...args: A) => void;
  readonly #interval: number;
  readonly #clock: Clock;
  #last = -Infinity;
  #pending: A | null = null;
  #timer: unknown = null;

  constructor(fn: (...args: A) => void, intervalMs: number, clock: Clock = realClock) {
    this.#fn = fn;
    this.#interval = intervalMs;
    this.#clock = clock;
  }

  /** Calls fn now if the interval has passed since the last call, else once at its end. */
  call(...args: A): void {
    const wait = this.#last + this.#interval - this.#clock.now();
    if (wait <= 0 && this.#timer === null) {
      this.#run(args);
      return;
    }
    this.#pending = args;
    if (this.#timer === null) this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, wait));
  }

  /** Runs the pending call now, if any. */
  flush(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#fire();
  }

  /** Drops the pending call, if any. */
  cancel(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
  }

  /** Whether a call is waiting. */
  get pending(): boolean {
    return this.#pending !== null;
  }

  #fire(): void {
    this.#timer = null;
    const args = this.#pending;
    this.#pending = null;
    if (args !== null) this.#run(args);
  }

  #run(args: A): void {
    this.#last = this.#clock.now();
    this.#fn(...args);
  }
}

/** A clock driven by hand, for tests. */
export class ManualClock implements Clock {
  t = 0;
  #timers: Array<{ at: number; fn: () => void; id: number }> = [];
  #next = 1;

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.push({ at: this.t + ms, fn, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((x) => x.id !== handle);
  }

  /** Moves time forward by ms, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const due = this.#timers[0];
      if (due === undefined || due.at > end) break;
      this.#timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}
