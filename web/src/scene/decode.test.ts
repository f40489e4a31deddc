import * as A from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import { decodeLayerJSON, decodeNode, MAX_WARNINGS, readLayer } from "./decode";
import { SceneError } from "./errors";
import { identityTransform, nodeId } from "./types";

/** Returns the SceneError code readLayer throws for root, or "ok". */
function recognize(root: unknown): string {
  try {
    readLayer(root);
    return "ok";
  } catch (err) {
    return err instanceof SceneError ? err.code : String(err);
  }
}

describe("readLayer: document recognition (docs/scene-schema.md)", () => {
  it.each<[string, unknown, string, string[] | undefined]>([
    ["layer", { schema: "atelier.layer/1", nodes: {} }, "ok", undefined],
    ["layer without nodes", { schema: "atelier.layer/1" }, "ok", ["nodes: missing; layer is empty"]],
    ["layer with a non-map nodes", { schema: "atelier.layer/1", nodes: [] }, "ok", ["nodes: got list, want map; layer is empty"]],
    ["later version", { schema: "atelier.layer/2", nodes: {} }, "UnsupportedSchema", undefined],
    ["a manifest", { schema: "atelier.world/1", layers: {} }, "NotLayer", undefined],
    ["no schema, nodes map", { nodes: {} }, "ok", ["schema: missing"]],
    ["empty schema, nodes map", { schema: "", nodes: {} }, "ok", ["schema: empty"]],
    ["null schema, nodes map", { schema: null, nodes: {} }, "ok", ["schema: got null, want string"]],
    ["numeric schema, nodes map", { schema: 1, nodes: {} }, "ok", ["schema: got number, want string"]],
    ["empty document", {}, "NotLayer", undefined],
    ["not a map", [], "NotLayer", undefined],
  ])("%s", (_name, root, want, warnings) => {
    expect(recognize(root)).toBe(want);
    if (want === "ok") expect(readLayer(root).warnings).toEqual(warnings);
  });

  it("parses JSON states and refuses bad JSON as NotLayer", () => {
    expect(decodeLayerJSON(`{"nodes":{"a":{}}}`).nodes.a!.kind).toBe("empty");
    expect(() => decodeLayerJSON("{")).toThrow(SceneError);
  });
});

describe("readLayer of an automerge document", () => {
  it("reads Text and scalar strings, ints and floats, counters, dates and bytes", () => {
    let doc = A.from<Record<string, unknown>>({ schema: new A.RawString("atelier.layer/1"), nodes: {} });
    doc = A.change(doc, (d) => {
      (d.nodes as Record<string, unknown>)["n"] = {
        name: "Text name",
        kind: new A.RawString("mesh"),
        parent: new A.RawString(""),
        order: "a0",
        asset: new A.RawString("asset://x"),
        transform: { t: [1, 2.5, 3], r: [0, 0, 0, 1], s: [2, 2, 2] },
        components: {
          c: { n: new A.Counter(7), when: new Date(1000), raw: new Uint8Array([1, 2]), s: new A.RawString("x"), t: "y",
            nested: { list: [1, "two", null, true] } },
        },
      };
    });
    const n = readLayer(doc).nodes.n!;
    expect(n).toEqual({
      id: "n", name: "Text name", kind: "mesh", parent: "", order: "a0", asset: "asset://x",
      transform: { t: [1, 2.5, 3], r: [0, 0, 0, 1], s: [2, 2, 2] },
      components: { c: { n: 7, when: new Date(1000), raw: new Uint8Array([1, 2]), s: "x", t: "y",
        nested: { list: [1, "two", null, true] } } },
    });
    expect(n.warnings).toBeUndefined();
  });
});

describe("decodeNode leniency", () => {
  it("defaults a node that is not a map", () => {
    const n = decodeNode(nodeId("x"), "garbage");
    expect(n.transform).toEqual(identityTransform());
    expect(n.warnings).toEqual(["node: got string, want map; using defaults"]);
  });

  it("defaults element by element and keeps what is there", () => {
    const n = decodeNode(nodeId("x"), {
      name: 42, kind: "", parent: 12, order: "a1", asset: "",
      transform: { t: [1.5, "x", 3], r: [0, 0, 1], s: [1, 2, 3, 4] },
      components: { bad: 1, ok: { inf: Infinity, big: 12n, f: () => 1 } },
    });
    expect(n.transform).toEqual({ t: [1.5, 0, 3], r: [0, 0, 1, 1], s: [1, 2, 3] });
    expect(n.kind).toBe("empty");
    expect(n.components).toEqual({ ok: { big: 12, f: null, inf: null } });
    expect(n.warnings).toEqual([
      'name: got number, want string; using ""',
      'kind: empty; using "empty"',
      'parent: got number, want string; using ""',
      "transform.t[1]: got string, want finite number; using 0",
      "transform.r: 3 elements, want 4",
      "transform.s: 4 elements, want 3",
      "components.bad: got number, want map; dropped",
      "components.ok.f: unsupported function; using null",
      "components.ok.inf: non-finite number; using null",
    ]);
  });

  it("keeps 32 warnings and counts the rest", () => {
    const fields: Record<string, number> = {};
    for (let i = 0; i < 40; i++) fields[`k${String(i).padStart(2, "0")}`] = NaN;
    const n = decodeNode(nodeId("x"), { components: { c: fields } });
    expect(n.warnings!.length).toBe(MAX_WARNINGS + 1);
    expect(n.warnings!.at(-1)).toBe("14 more warnings");
  });

  it("reads values nested 60 levels below a field, and null deeper (as Go's ReadLayer)", () => {
    const nest = (levels: number): unknown => (levels === 0 ? "leaf" : { d: nest(levels - 1) });
    const at = (v: unknown, levels: number): unknown => (levels === 0 ? v : at((v as { d: unknown }).d, levels - 1));
    const fine = decodeNode(nodeId("x"), { components: { c: { v: nest(60) } } });
    expect(at(fine.components.c!.v, 60)).toBe("leaf");
    const deep = decodeNode(nodeId("x"), { components: { c: { v: nest(61) } } });
    expect(at(deep.components.c!.v, 60)).toBeNull();
    expect(deep.warnings!.at(-1)).toMatch(/nested too deeply/);
  });

  it("takes no inherited property for a field", () => {
    const n = decodeNode(nodeId("x"), Object.create({ name: "inherited" }) as object);
    expect(n.name).toBe("");
  });
});
