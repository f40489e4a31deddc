// Edit → repaint latency: when a change from another peer arrives, the
// next viewport render after it is its repaint. The delays (ms, arrival to
// the end of that render) are kept in a ring for tests and measurements,
// with performance marks "atelier:remote-change" (world.ts) and
// "atelier:repaint" for the browser's profiler.

/** How many delays the ring keeps. */
export const RING_SIZE = 200;

/** Remote-change-to-repaint delays. */
export class RepaintProbe {
  /** When the last repaint of a remote change finished (ms since the epoch), 0 if none. */
  lastRepaintAt = 0;
  #ring: number[] = [];
  #next = 0;
  #seen = 0;

  /**
   * Takes a finished render at time now, given when the last remote change
   * arrived (both ms since the epoch). Returns the delay recorded, or null
   * when no new remote change was waiting for a repaint.
   */
  rendered(now: number, lastRemoteChangeAt: number): number | null {
    if (lastRemoteChangeAt === 0 || lastRemoteChangeAt <= this.#seen) return null;
    this.#seen = lastRemoteChangeAt;
    this.lastRepaintAt = now;
    const d = Math.max(0, now - lastRemoteChangeAt);
    if (this.#ring.length < RING_SIZE) this.#ring.push(d);
    else this.#ring[this.#next] = d;
    this.#next = (this.#next + 1) % RING_SIZE;
    return d;
  }

  /** The delays kept, oldest first. */
  delays(): number[] {
    if (this.#ring.length < RING_SIZE) return [...this.#ring];
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }
}
