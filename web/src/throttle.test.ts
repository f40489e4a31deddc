import { describe, expect, it } from "vitest";
import { ManualClock, Throttle } from "./throttle";

describe("Throttle", () => {
  it("runs the first call at once and merges the rest into one trailing call", () => {
    const clock = new ManualClock();
    const calls: Array<[number, number]> = [];
    const t = new Throttle((v: number) => calls.push([clock.now(), v]), 33, clock);
    t.call(1);
    t.call(2);
    t.call(3);
    expect(calls).toEqual([[0, 1]]);
    clock.advance(32);
    expect(calls).toEqual([[0, 1]]);
    clock.advance(1);
    expect(calls).toEqual([[0, 1], [33, 3]]);
    expect(t.pending).toBe(false);
  });

  it("streams at the interval while called every frame", () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const t = new Throttle(() => at.push(clock.now()), 33, clock);
    for (let i = 0; i < 60; i++) {
      t.call();
      clock.advance(16);
    }
    clock.advance(100);
    // ≥ 30 Hz: no gap longer than the interval plus a frame.
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeLessThanOrEqual(33 + 16);
    expect(at.length).toBeGreaterThanOrEqual(Math.floor((60 * 16) / 33));
  });

  it("flush runs the pending call now; cancel drops it", () => {
    const clock = new ManualClock();
    const got: number[] = [];
    const t = new Throttle((v: number) => got.push(v), 100, clock);
    t.call(1);
    t.call(2);
    t.flush();
    expect(got).toEqual([1, 2]);
    clock.advance(200);
    expect(got).toEqual([1, 2]);
    t.call(3); // interval passed: at once
    t.call(4);
    t.cancel();
    clock.advance(200);
    expect(got).toEqual([1, 2, 3]);
  });

  it("after a quiet interval the next call runs at once", () => {
    const clock = new ManualClock();
    const got: number[] = [];
    const t = new Throttle((v: number) => got.push(v), 50, clock);
    t.call(1);
    clock.advance(60);
    t.call(2);
    expect(got).toEqual([1, 2]);
  });
});
