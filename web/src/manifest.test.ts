import * as A from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import { readManifest } from "./manifest";

const L1 = "11111111-1111-4111-8111-111111111111";
const L2 = "22222222-2222-4222-8222-222222222222";
const L3 = "33333333-3333-4333-8333-333333333333";

describe("readManifest", () => {
  it("reads scalar strings and orders layers by order, then id", () => {
    const S = (s: string) => new A.ImmutableString(s);
    const doc = A.from({
      schema: S("atelier.world/1"),
      name: S("Harbor"),
      layers: {
        [L3]: { name: S("Lights"), url: S("automerge:3xyz"), order: S("a0") },
        [L1]: { name: S("Terrain"), url: S("automerge:1abc"), order: S("a1") },
        [L2]: { name: S("Props"), url: S("automerge:2def"), order: S("a0") },
      },
    });
    const m = readManifest(doc);
    expect(m.name).toBe("Harbor");
    expect(m.layers.map((l) => [l.id, l.name, l.url])).toEqual([
      [L2, "Props", "automerge:2def"],
      [L3, "Lights", "automerge:3xyz"],
      [L1, "Terrain", "automerge:1abc"],
    ]);
  });

  it("is lenient about fields, strict about the schema", () => {
    const m = readManifest({ schema: "atelier.world/1", name: 5, layers: { [L1]: "junk", [L2]: { name: "P", url: "http://x" } } });
    expect(m.name).toBe("");
    expect(m.layers).toEqual([
      { id: L1, name: "", url: "", order: "" },
      { id: L2, name: "P", url: "", order: "" },
    ]);
    expect(readManifest({ layers: {} }).layers).toEqual([]); // no schema, but a layers map
    expect(() => readManifest({ schema: "atelier.world/2", layers: {} })).toThrow(/unsupported/);
    expect(() => readManifest({ schema: "atelier.layer/1", nodes: {} })).toThrow(/not a world manifest/);
    expect(() => readManifest({})).toThrow(/not a world manifest/);
    expect(() => readManifest(null)).toThrow();
  });
});
