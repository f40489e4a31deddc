import { describe, expect, it } from "vitest";
import { SceneError } from "./errors";
import { isOrderKey, keyBetween, nKeysBetween } from "./fracindex";
import { keysForGap } from "./position";
import { readVector } from "./testfs";
import { nodeId } from "./types";

/** scene/testdata/fracindex.json, generated from the Go implementation (scene/fracindex_vectors_test.go). */
interface FracVectors {
  keyBetween: Array<{ a: string; b: string; result?: string; error?: boolean }>;
  nKeysBetween: Array<{ a: string; b: string; n: number; result?: string[]; error?: boolean }>;
  valid: Array<{ key: string; valid: boolean }>;
  gaps: Array<{ orders: string[]; index: number; order: string; rekeys: Array<{ index: number; order: string }> }>;
}

const v = readVector<FracVectors>("fracindex.json");

/** Calls f and returns its result, or "error" if it threw InvalidOrderKey. */
function outcome<T>(f: () => T): T | "error" {
  try {
    return f();
  } catch (err) {
    if (err instanceof SceneError && err.code === "InvalidOrderKey") return "error";
    throw err;
  }
}

describe("fractional-index vectors from Go (scene/testdata/fracindex.json)", () => {
  it("has vectors", () => {
    expect(v.keyBetween.length).toBeGreaterThan(400);
    expect(v.nKeysBetween.length).toBeGreaterThan(100);
    expect(v.gaps.length).toBeGreaterThan(100);
  });

  it("keyBetween", () => {
    for (const c of v.keyBetween) {
      expect(outcome(() => keyBetween(c.a, c.b)), JSON.stringify(c)).toBe(c.error ? "error" : c.result);
    }
  });

  it("nKeysBetween", () => {
    for (const c of v.nKeysBetween) {
      expect(outcome(() => nKeysBetween(c.a, c.b, c.n)), JSON.stringify(c)).toEqual(c.error ? "error" : c.result);
    }
  });

  it("validity", () => {
    for (const c of v.valid) expect(isOrderKey(c.key), JSON.stringify(c)).toBe(c.valid);
  });

  it("gap re-keying (colliding, missing and foreign orders)", () => {
    for (const c of v.gaps) {
      const sibs = c.orders.map((order, i) => ({ id: nodeId(`s${i}`), order }));
      const got = keysForGap(sibs, c.index);
      const rekeys = got.rekeys.map((w) => ({ index: sibs.findIndex((s) => s.id === w.id), order: w.order }));
      expect({ order: got.order, rekeys }, JSON.stringify(c)).toEqual({ order: c.order, rekeys: c.rekeys });
    }
  });
});

describe("keyBetween", () => {
  it("stays strictly ordered under 2,000 inserts in one gap, at the front and at the back", () => {
    for (const mode of ["front", "back", "same-gap"] as const) {
      const list: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const pos = mode === "front" ? 0 : mode === "back" ? list.length : Math.min(1, list.length);
        const k = keyBetween(list[pos - 1] ?? "", list[pos] ?? "");
        expect(isOrderKey(k)).toBe(true);
        list.splice(pos, 0, k);
      }
      expect([...list].sort()).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it("rejects invalid input with InvalidOrderKey", () => {
    expect(() => keyBetween("a1", "a0")).toThrow(SceneError);
    expect(() => nKeysBetween("", "", -1)).toThrow(/negative count/);
  });
});
