import { describe, expect, it } from "vitest";
import { countsText, diffHighlights, mergeRemoved } from "./diffview";
import type { LayerDiff } from "./historyapi";
import { identityTransform, type NodeId, type ResolvedNode, type Tree } from "./scene";

function node(id: string, parent = "", children: string[] = []): ResolvedNode {
  return {
    id: id as NodeId, name: id, kind: "mesh", parent: parent as NodeId, order: "a0", asset: "",
    transform: identityTransform(), components: {}, orphan: false, cycleBroken: false, children: children as NodeId[],
  };
}

function tree(roots: string[], ...nodes: ResolvedNode[]): Tree {
  return { roots: roots as NodeId[], nodes: Object.fromEntries(nodes.map((n) => [n.id, n])) };
}

describe("diffHighlights", () => {
  it("marks each node once, added/removed over moved over changed", () => {
    const layers: LayerDiff[] = [
      {
        id: "L1", name: "Main",
        diff: {
          added: ["a"], removed: ["r"],
          moved: [{ id: "m", before: { parent: "", order: "a0" }, after: { parent: "x", order: "a0" } }, { id: "a", before: { parent: "", order: "" }, after: { parent: "", order: "" } }],
          changed: [{ id: "c", op: "replace", path: "/name" }, { id: "m", op: "replace", path: "/transform/t/0" }, { id: "c", op: "add", path: "/components/light" }],
        },
      },
      { id: "L2", name: "Empty", diff: { added: [], removed: [], moved: [], changed: [] } },
    ];
    const h = diffHighlights(layers);
    expect([...h.keys()]).toEqual(["L1"]);
    expect(Object.fromEntries(h.get("L1")!)).toEqual({ a: "added", r: "removed", m: "moved", c: "changed" });
    expect(countsText(h)).toBe("1 added, 1 removed, 1 moved, 1 changed");
    expect(countsText(new Map())).toBe("no differences");
  });
});

describe("mergeRemoved", () => {
  it("puts removed nodes back under their old parent, or at the root", () => {
    const now = tree(["p"], node("p"));
    const old = tree(["p", "gone"], node("p", "", ["kid"]), node("kid", "p"), node("gone", "", ["gkid"]), node("gkid", "gone"));
    const m = mergeRemoved(now, old, ["kid", "gone", "gkid"]);
    expect(m.roots).toEqual(["p", "gone"]);
    expect(m.nodes["p"]!.children).toEqual(["kid"]);
    expect(m.nodes["gone"]!.children).toEqual(["gkid"]);
    expect(m.nodes["gkid"]!.parent).toBe("gone");
    expect(now.nodes["p"]!.children).toEqual([]); // input untouched
  });
});
