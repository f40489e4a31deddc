import { describe, expect, it } from "vitest";
import { RepaintProbe, RING_SIZE } from "./latency";

describe("RepaintProbe", () => {
  it("records one delay per remote change, at the first render after it", () => {
    const p = new RepaintProbe();
    expect(p.rendered(100, 0)).toBeNull(); // nothing remote yet
    expect(p.rendered(130, 100)).toBe(30);
    expect(p.rendered(150, 100)).toBeNull(); // a camera move, same change
    expect(p.rendered(170, 160)).toBe(10);
    expect(p.delays()).toEqual([30, 10]);
    expect(p.lastRepaintAt).toBe(170);
  });

  it("keeps the last RING_SIZE delays, oldest first", () => {
    const p = new RepaintProbe();
    for (let i = 1; i <= RING_SIZE + 5; i++) p.rendered(i * 10 + i, i * 10);
    const d = p.delays();
    expect(d.length).toBe(RING_SIZE);
    expect(d[0]).toBe(6);
    expect(d.at(-1)).toBe(RING_SIZE + 5);
  });
});
