import { describe, expect, it } from "vitest";
import { FrameHold, type HeldFrame } from "./framehold";
import { rtpAtOrBefore, rtpDiff } from "./rtp";

const frame = (rtp: number): HeldFrame<string> => ({ rtp, mediaTime: rtp / 90000, image: `f${rtp}` });

describe("rtp", () => {
  it("compares across the 32-bit wrap", () => {
    expect(rtpDiff(10, 0xfffffff0)).toBe(26);
    expect(rtpDiff(0xfffffff0, 10)).toBe(-26);
    expect(rtpAtOrBefore(0xfffffff0, 10)).toBe(true);
    expect(rtpAtOrBefore(10, 0xfffffff0)).toBe(false);
  });
});

describe("FrameHold", () => {
  it("holds the exact frame named, and releases what falls out", () => {
    const released: string[] = [];
    const h = new FrameHold<string>(3, (i) => released.push(i));
    for (const r of [3000, 6000, 9000, 12000]) h.record(frame(r));
    expect(released).toEqual(["f3000"]);
    const got: Array<[number, boolean]> = [];
    expect(h.hold(6000, (f, exact) => got.push([f.rtp, exact])).kind).toBe("exact");
    expect(got).toEqual([[6000, true]]);
    // The held frame is not released while held, even when it falls out.
    for (const r of [15000, 18000, 21000]) h.record(frame(r));
    expect(released).not.toContain("f6000");
    h.resume();
    expect(released).toContain("f6000");
    expect(h.held).toBeNull();
  });

  it("holds the nearest earlier frame when the named one was dropped", () => {
    const h = new FrameHold<string>(10);
    for (const r of [3000, 6000, 12000]) h.record(frame(r));
    const r = h.hold(9000, () => {});
    expect(r).toEqual({ kind: "nearest", frame: frame(6000) });
  });

  it("waits for a frame this viewer has not received, then holds it on arrival", () => {
    const h = new FrameHold<string>(10);
    h.record(frame(3000));
    const got: Array<[number, boolean]> = [];
    expect(h.hold(9000, (f, exact) => got.push([f.rtp, exact]))).toEqual({ kind: "waiting" });
    h.record(frame(6000));
    expect(got).toEqual([]);
    h.record(frame(9000));
    expect(got).toEqual([[9000, true]]);
    expect(h.held?.rtp).toBe(9000);
    h.record(frame(12000)); // later frames do not move the hold
    expect(h.held?.rtp).toBe(9000);
  });

  it("completes a wait with the first later frame when the named one never comes", () => {
    const h = new FrameHold<string>(10);
    h.record(frame(3000));
    const got: Array<[number, boolean]> = [];
    h.hold(9000, (f, exact) => got.push([f.rtp, exact]));
    h.record(frame(12000));
    expect(got).toEqual([[12000, false]]);
  });

  it("keeps frames in RTP order across the wrap and drops repeats", () => {
    const released: string[] = [];
    const h = new FrameHold<string>(10, (i) => released.push(i));
    h.record(frame(0xfffff000));
    h.record(frame(1000));
    h.record(frame(1000));
    h.record(frame(0xfffff000));
    expect(h.size).toBe(2);
    expect(released).toEqual(["f1000", `f${0xfffff000}`]);
    expect(h.hold(0xfffff000, () => {}).kind).toBe("exact");
  });

  it("refuses a capacity under one", () => {
    expect(() => new FrameHold<string>(0)).toThrow(RangeError);
  });

  it("keeps holding a frame named again after it left the buffer, and releases a replaced one", () => {
    const released: string[] = [];
    const h = new FrameHold<string>(3, (i) => released.push(i));
    for (const r of [3000, 6000, 9000]) h.record(frame(r));
    h.hold(3000, () => {});
    for (const r of [12000, 15000, 18000, 21000]) h.record(frame(r)); // the video plays on under the hold
    const got: Array<[number, boolean]> = [];
    expect(h.hold(3000, (f, exact) => got.push([f.rtp, exact]))).toEqual({ kind: "exact", frame: frame(3000) });
    expect(got).toEqual([[3000, true]]);
    expect(released).not.toContain("f3000");
    h.hold(18000, () => {}); // another frame: the old one is let go
    expect(released).toContain("f3000");
    expect(h.held?.rtp).toBe(18000);
  });
});
