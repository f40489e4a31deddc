import { describe, expect, it } from "vitest";
import { identityTransform } from "./scene";
import { changedElements, withChanges } from "./transformdiff";

describe("changedElements", () => {
  it("lists only the elements that moved", () => {
    const a = identityTransform();
    const b = withChanges(a, [{ vector: "t", index: 0, value: 2 }]);
    expect(changedElements(a, b)).toEqual([{ vector: "t", index: 0, value: 2 }]);
    expect(changedElements(a, a)).toEqual([]);
  });
  it("ignores float noise and non-finite values", () => {
    const a = identityTransform();
    const b = { t: [1e-12, 0, 0], r: [0, 0, 0, 1], s: [1, NaN, 3] } as typeof a;
    expect(changedElements(a, b)).toEqual([{ vector: "s", index: 2, value: 3 }]);
  });
  it("orders t, r, s", () => {
    const a = identityTransform();
    const b = { t: [0, 0, 5], r: [0, 1, 0, 0], s: [2, 1, 1] } as typeof a;
    expect(changedElements(a, b).map((c) => `${c.vector}${c.index}`)).toEqual(["t2", "r1", "r3", "s0"]);
  });
});
