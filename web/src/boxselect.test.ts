import { describe, expect, it } from "vitest";
import { inRect, rectFrom } from "./boxselect";

describe("box select rectangles", () => {
  it("spans two corners in any order and includes its edges", () => {
    const r = rectFrom({ x: 50, y: 10 }, { x: 10, y: 40 });
    expect(r).toEqual({ left: 10, top: 10, right: 50, bottom: 40 });
    expect(inRect(r, { x: 10, y: 40 })).toBe(true);
    expect(inRect(r, { x: 30, y: 20 })).toBe(true);
    expect(inRect(r, { x: 51, y: 20 })).toBe(false);
    expect(inRect(r, { x: 30, y: 9 })).toBe(false);
  });
});
