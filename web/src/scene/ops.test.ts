import * as A from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { describe, expect, it } from "vitest";
import { commitEditToHandle } from "./edit";
import { createNode, deleteSubtree, duplicateSubtree, groupNodes, reparent, reorder } from "./ops";
import { setProperty } from "./propops";
import { apply, commit, expectRefused, ids, kids, newLayer, nid, treeOf, typeAt, type Layer } from "./testlayer";
import { nodeId } from "./types";

/** Builds nodes with createNode: each entry is [id, parent, order]. */
function build(doc: A.Doc<Layer>, ...nodes: Array<[number, number | "", string]>): A.Doc<Layer> {
  for (const [id, parent, order] of nodes) {
    const p = parent === "" ? "" : nid(parent);
    doc = commit(doc, createNode(doc, { id: nid(id), parent: p, order, name: `n${id}` }));
  }
  return doc;
}

describe("createNode", () => {
  it("writes every container with the types Go writes, and the Go message", () => {
    const { doc, msgs } = apply(newLayer(), createNode(newLayer(), { id: nid(1), name: "Crate", kind: "mesh" }, {}, { author: "ana" }));
    expect(msgs).toEqual([{ version: 1, op: "create", nodes: [nid(1)], props: [""], parent: "", author: "ana" }]);
    const n = treeOf(doc).nodes[nid(1)]!;
    expect(n).toMatchObject({ name: "Crate", kind: "mesh", order: "a0", asset: "", components: {} });
    expect(n.transform).toEqual({ t: [0, 0, 0], r: [0, 0, 0, 1], s: [1, 1, 1] });
    const at = (...p: Array<string | number>): string | undefined => typeAt(doc, ["nodes", nid(1), ...p]);
    for (const f of ["name", "kind", "parent", "order", "asset"]) expect(at(f), f).toBe("str");
    expect([at("transform"), at("transform", "t"), at("components")]).toEqual(["map", "list", "map"]);
    for (const v of ["t", "r", "s"]) expect(at("transform", v, 0), v).toBe("f64");
  });

  it("places by position, re-keying siblings with equal orders", () => {
    let doc = build(newLayer(), [1, "", "a0"], [2, "", "a0"]); // as two replicas inserting into one gap
    const { doc: next, msgs } = apply(doc, createNode(doc, { id: nid(3) }, { after: nid(1), before: nid(2) }));
    expect(kids(treeOf(next))).toEqual([nid(1), nid(3), nid(2)]);
    expect(msgs[0]!.rekeyed).toEqual([nid(2)]);
    doc = commit(next, createNode(next, { id: nid(4) }, { before: nid(1) }));
    doc = commit(doc, createNode(doc, { id: nid(5), parent: nid(1) }));
    expect(kids(treeOf(doc))).toEqual([nid(4), nid(1), nid(3), nid(2)]);
    expect(kids(treeOf(doc), nid(1))).toEqual([nid(5)]);
  });

  it("draws an id when none is given", () => {
    const e = createNode(newLayer(), {}, {}, { newId: ids(9) });
    expect(e.op.nodes).toEqual([nid(9)]);
    expect(createNode(newLayer(), {}).op.nodes[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses, writing nothing", () => {
    const doc = build(newLayer(), [1, "", "a0"]);
    const cases: Array<[string, () => unknown, string]> = [
      ["bad id", () => createNode(doc, { id: "N1" }), "InvalidNode"],
      ["self parent", () => createNode(doc, { id: nid(2), parent: nid(2) }), "InvalidNode"],
      ["non-finite", () => createNode(doc, { id: nid(2), transform: { t: [NaN, 0, 0], r: [0, 0, 0, 1], s: [1, 1, 1] } }), "InvalidNode"],
      ["bad component value", () => createNode(doc, { id: nid(2), components: { c: { f: () => 1 } } }), "InvalidNode"],
      ["exists", () => createNode(doc, { id: nid(1) }), "NodeExists"],
      ["missing parent", () => createNode(doc, { id: nid(2), parent: nid(9) }), "NodeNotFound"],
      ["order and position", () => createNode(doc, { id: nid(2), order: "a5" }, { after: nid(1) }), "InvalidPosition"],
      ["stale sibling", () => createNode(doc, { id: nid(2) }, { after: nid(7) }), "InvalidPosition"],
      ["lone surrogate author", () => createNode(doc, { id: nid(2) }, {}, { author: "\ud800" }), "InvalidValue"],
      ["not a layer", () => createNode({ schema: "atelier.world/1", layers: {} }, { id: nid(2) }), "NotLayer"],
    ];
    for (const [name, f, code] of cases) {
      expectRefused(f, code);
      expect(A.getHeads(doc), name).toEqual(A.getHeads(build(newLayer(), [1, "", "a0"])));
    }
  });

  it("refuses to re-create a node under an orphan of its own (WouldCycle)", () => {
    let doc = build(newLayer(), [1, "", "a0"], [2, 1, "a0"]);
    doc = commit(doc, deleteSubtree(doc, nid(1)));
    doc = build(doc, [3, "", "a0"]);
    doc = A.change(doc, (d) => {
      (d.nodes as Record<string, unknown>)[nid(3)] = { parent: new A.RawString(nid(1)), order: new A.RawString("a0") };
    });
    expectRefused(() => createNode(doc, { id: nid(1), parent: nid(3) }), "WouldCycle");
  });
});

describe("deleteSubtree", () => {
  it("deletes the resolved subtree, listed depth first", () => {
    let doc = build(newLayer(), [1, "", "a0"], [2, 1, "a1"], [3, 1, "a0"], [4, 2, "a0"], [5, "", "a1"]);
    const { doc: next, msgs } = apply(doc, deleteSubtree(doc, nid(1)));
    expect(msgs[0]).toEqual({ version: 1, op: "delete", nodes: [nid(1), nid(3), nid(2), nid(4)], props: [""] });
    expect(Object.keys(treeOf(next).nodes)).toEqual([nid(5)]);
    doc = next;
    expectRefused(() => deleteSubtree(doc, nid(1)), "NodeNotFound");
  });
});

describe("reparent and reorder", () => {
  it("reparents with the Go message and refuses cycles", () => {
    let doc = build(newLayer(), [1, "", "a0"], [2, 1, "a0"], [3, 2, "a0"], [4, "", "a1"]);
    const r = apply(doc, reparent(doc, nid(4), nid(2), { before: nid(3) }));
    expect(r.msgs[0]).toEqual({ version: 1, op: "reparent", nodes: [nid(4)], props: ["/parent", "/order"], parent: nid(2) });
    expect(kids(treeOf(r.doc), nid(2))).toEqual([nid(4), nid(3)]);
    doc = r.doc;
    expectRefused(() => reparent(doc, nid(1), nid(3)), "WouldCycle");
    expectRefused(() => reparent(doc, nid(1), nid(1)), "WouldCycle");
    expectRefused(() => reparent(doc, nid(9), nid(1)), "NodeNotFound");
    expectRefused(() => reparent(doc, nid(1), nid(9)), "NodeNotFound");
    const root = apply(doc, reparent(doc, nid(3), nodeId("")));
    expect(kids(treeOf(root.doc))).toEqual([nid(1), nid(3)]);
    expect(root.msgs[0]!.parent).toBe("");
  });

  it("reorders between two siblings by keyBetween", () => {
    const doc = build(newLayer(), [1, "", "a0"], [2, "", "a1"], [3, "", "a2"]);
    const { doc: next, msgs } = apply(doc, reorder(doc, nid(3), { after: nid(1), before: nid(2) }));
    expect(msgs[0]).toEqual({ version: 1, op: "reorder", nodes: [nid(3)], props: ["/order"] });
    const tree = treeOf(next);
    expect(kids(tree)).toEqual([nid(1), nid(3), nid(2)]);
    expect(tree.nodes[nid(3)]!.order).toBe("a0V");
    expectRefused(() => reorder(doc, nid(3), { after: nid(2), before: nid(1) }), "InvalidPosition");
  });

  it("makes an empty change when nothing changes, as Go does", () => {
    const doc = build(newLayer(), [1, "", "a0"]);
    const { doc: next } = apply(doc, reparent(doc, nid(1), nodeId(""), { order: "a0" }));
    expect(A.getHeads(next)).not.toEqual(A.getHeads(doc));
  });
});

describe("duplicateSubtree", () => {
  it("copies the resolved subtree with new ids, right after the original", () => {
    let doc = build(newLayer(), [1, "", "a0"], [2, 1, "a0"], [3, 1, "a1"], [4, "", "a1"]);
    doc = commit(doc, setProperty(doc, nid(2), "name", "Child"));
    const e = duplicateSubtree(doc, nid(1), nodeId(""), { after: nid(1) }, { newId: ids(11) });
    const { doc: next, msgs } = apply(doc, e);
    expect(msgs[0]).toEqual({
      version: 1, op: "duplicate", nodes: [nid(11), nid(12), nid(13)], props: [""], parent: "",
      sources: [nid(1), nid(2), nid(3)],
    });
    expect([...e.ids]).toEqual([[nid(1), nid(11)], [nid(2), nid(12)], [nid(3), nid(13)]]);
    const tree = treeOf(next);
    expect(kids(tree)).toEqual([nid(1), nid(11), nid(4)]);
    expect(kids(tree, nid(11))).toEqual([nid(12), nid(13)]);
    expect(tree.nodes[nid(12)]!.name).toBe("Child");
    expectRefused(() => duplicateSubtree(next, nid(1), nodeId(""), {}, { newId: ids(11) }), "NodeExists");
  });
});

describe("groupNodes", () => {
  it("creates an empty parent where the first node is and moves the selection under it", () => {
    const doc = build(newLayer(), [1, "", "a0"], [2, "", "a1"], [3, 2, "a0"], [4, "", "a2"], [5, "", "a3"]);
    const edits = groupNodes(doc, [nid(4), nid(2), nid(3)], { id: nid(10), author: "ana" });
    const { doc: next, msgs } = apply(doc, edits);
    expect(msgs).toEqual([
      { version: 1, op: "create", nodes: [nid(10)], props: [""], parent: "", author: "ana" },
      { version: 1, op: "reparent", nodes: [nid(2)], props: ["/parent", "/order"], parent: nid(10), author: "ana" },
      { version: 1, op: "reparent", nodes: [nid(4)], props: ["/parent", "/order"], parent: nid(10), author: "ana" },
    ]);
    const tree = treeOf(next);
    expect(kids(tree)).toEqual([nid(1), nid(10), nid(5)]);
    expect(kids(tree, nid(10))).toEqual([nid(2), nid(4)]);
    expect(kids(tree, nid(2))).toEqual([nid(3)]);
    expect(tree.nodes[nid(10)]).toMatchObject({ name: "Group", kind: "empty" });
    expectRefused(() => groupNodes(doc, []), "NodeNotFound");
    expectRefused(() => groupNodes(doc, [nid(9)]), "NodeNotFound");
  });
});

describe("edits and documents", () => {
  it("apply throws StaleEdit, and automerge rolls back, when the node went away", () => {
    let doc = build(newLayer(), [1, "", "a0"]);
    const edit = setProperty(doc, nid(1), "name", "x");
    doc = commit(doc, deleteSubtree(doc, nid(1)));
    const heads = A.getHeads(doc);
    expect(() => A.change(doc, { message: edit.message }, edit.apply)).toThrow(/changed since/);
    expect(A.getHeads(doc)).toEqual(heads);
  });

  it("commits through an automerge-repo DocHandle, empty changes included", () => {
    const repo = new Repo();
    const handle = repo.import<Layer>(A.save(newLayer()));
    commitEditToHandle(handle, createNode(handle.doc(), { id: nid(1), name: "a" }));
    commitEditToHandle(handle, setProperty(handle.doc(), nid(1), "name", "a"));
    const metas = A.getChangesMetaSince(handle.doc(), []);
    expect(metas.map((m) => m.message)).toEqual([
      "atelier: create layer",
      `atelier/op:1 {"op":"create","nodes":["${nid(1)}"],"props":[""],"parent":""}`,
      `atelier/op:1 {"op":"setProperty","nodes":["${nid(1)}"],"props":["/name"]}`,
    ]);
    expect(treeOf(handle.doc()).nodes[nid(1)]!.name).toBe("a");
  });
});
