// Holding one frame for everyone. Each viewer's video runs a little ahead
// of or behind the others, so "pause" cannot mean "stop my video now": the
// driver names the frame it stopped on by its RTP timestamp, and every
// viewer shows that same frame. A FrameHold keeps the last few seconds of
// decoded frames keyed by RTP timestamp (recorded from
// requestVideoFrameCallback), finds the named frame among them, or, when
// this viewer has not received it yet, holds the first frame at or after
// it as soon as it arrives.

import { rtpAtOrBefore, rtpDiff } from "./rtp";

/** A decoded frame: its RTP timestamp, its media time, and its image. */
export interface HeldFrame<I> {
  rtp: number;
  mediaTime: number;
  image: I;
}

/** What holding a frame found. */
export type HoldResult<I> =
  | { kind: "exact"; frame: HeldFrame<I> }
  /** The named frame was not kept (dropped or too old): the nearest earlier one. */
  | { kind: "nearest"; frame: HeldFrame<I> }
  /** Not received yet: the hold completes when it arrives (see record). */
  | { kind: "waiting" };

/** Frames kept, the newest last; the oldest are released through release(). */
export class FrameHold<I> {
  readonly #frames: HeldFrame<I>[] = [];
  readonly #capacity: number;
  readonly #release: (image: I) => void;
  #waitingFor: number | null = null;
  #held: HeldFrame<I> | null = null;
  #onHeld: (f: HeldFrame<I>, exact: boolean) => void = () => {};

  constructor(capacity: number, release: (image: I) => void = () => {}) {
    if (!(capacity >= 1)) throw new RangeError("a frame hold keeps at least one frame");
    this.#capacity = capacity;
    this.#release = release;
  }

  /** The frame being held, or null while live. */
  get held(): HeldFrame<I> | null {
    return this.#held;
  }

  /** Frames kept now. */
  get size(): number {
    return this.#frames.length;
  }

  /**
   * Records a frame as the video shows it. While a hold waits for a frame
   * that had not arrived, the first frame at or after it completes the hold.
   */
  record(f: HeldFrame<I>): void {
    const last = this.#frames.at(-1);
    if (last !== undefined && rtpDiff(f.rtp, last.rtp) <= 0) {
      this.#release(f.image); // a repeat or an out-of-order frame: keep the order
      return;
    }
    this.#frames.push(f);
    while (this.#frames.length > this.#capacity) {
      const old = this.#frames.shift()!;
      if (old !== this.#held) this.#release(old.image);
    }
    if (this.#waitingFor !== null && rtpAtOrBefore(this.#waitingFor, f.rtp)) {
      const exact = f.rtp === this.#waitingFor;
      this.#waitingFor = null;
      this.#dropHeld();
      this.#held = f;
      this.#onHeld(f, exact);
    }
  }

  /**
   * Holds the frame with RTP timestamp rtp; onHeld runs when it is held
   * (now, or when it arrives).
   */
  hold(rtp: number, onHeld: (f: HeldFrame<I>, exact: boolean) => void): HoldResult<I> {
    this.#onHeld = onHeld;
    this.#waitingFor = null;
    const cur = this.#held;
    if (cur !== null && cur.rtp === rtp) {
      // Already held (a newer state naming the same frame): keep it, even
      // when it has left the buffer since.
      onHeld(cur, true);
      return { kind: "exact", frame: cur };
    }
    let before: HeldFrame<I> | undefined;
    for (const f of this.#frames) {
      if (f.rtp === rtp) return this.#holdNow(f, true);
      if (rtpAtOrBefore(f.rtp, rtp)) before = f;
    }
    const newest = this.#frames.at(-1);
    if (newest === undefined || rtpDiff(rtp, newest.rtp) > 0) {
      this.#dropHeld();
      this.#waitingFor = rtp;
      return { kind: "waiting" };
    }
    return this.#holdNow(before ?? this.#frames[0]!, false);
  }

  #holdNow(f: HeldFrame<I>, exact: boolean): HoldResult<I> {
    this.#dropHeld();
    this.#held = f;
    this.#onHeld(f, exact);
    return exact ? { kind: "exact", frame: f } : { kind: "nearest", frame: f };
  }

  /** Back to live: nothing held, nothing awaited. */
  resume(): void {
    this.#dropHeld();
    this.#waitingFor = null;
  }

  /** Lets go of the held frame, releasing it if the buffer no longer has it. */
  #dropHeld(): void {
    const h = this.#held;
    this.#held = null;
    if (h !== null && !this.#frames.includes(h)) this.#release(h.image);
  }

  /** Releases every frame. */
  clear(): void {
    for (const f of this.#frames) this.#release(f.image);
    if (this.#held !== null && !this.#frames.includes(this.#held)) this.#release(this.#held.image);
    this.#frames.length = 0;
    this.#held = null;
    this.#waitingFor = null;
  }
}
