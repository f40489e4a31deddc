import { describe, expect, it } from "vitest";
import { createNode } from "../scene";
import { commit, expectRefused, kids, newLayer, nid, treeOf, type Layer } from "../scene/testlayer";
import type * as A from "@automerge/automerge";
import { dropZone, planDrop } from "./outlinerdrop";

/** roots: 1 (children 3, 4), 2 */
function fixture(): A.Doc<Layer> {
  let doc = newLayer();
  doc = commit(doc, createNode(doc, { id: nid(1), name: "one" }));
  doc = commit(doc, createNode(doc, { id: nid(2), name: "two" }));
  doc = commit(doc, createNode(doc, { id: nid(3), name: "three", parent: nid(1) }));
  doc = commit(doc, createNode(doc, { id: nid(4), name: "four", parent: nid(1) }));
  return doc;
}

describe("dropZone", () => {
  it("splits a row into before, inside and after", () => {
    expect(dropZone(0, 20)).toBe("before");
    expect(dropZone(4, 20)).toBe("before");
    expect(dropZone(10, 20)).toBe("inside");
    expect(dropZone(16, 20)).toBe("after");
    expect(dropZone(20, 20)).toBe("after");
    expect(dropZone(3, 0)).toBe("inside");
  });
});

describe("planDrop", () => {
  it("inside: reparents as the last child", () => {
    const doc = fixture();
    const e = planDrop(doc, treeOf(doc), nid(2), nid(1), "inside")!;
    expect(e.op.op).toBe("reparent");
    expect(kids(treeOf(commit(doc, e)), nid(1))).toEqual([nid(3), nid(4), nid(2)]);
  });

  it("before/after a sibling: reorders", () => {
    const doc = fixture();
    const e = planDrop(doc, treeOf(doc), nid(4), nid(3), "before")!;
    expect(e.op.op).toBe("reorder");
    expect(kids(treeOf(commit(doc, e)), nid(1))).toEqual([nid(4), nid(3)]);
    const doc2 = fixture();
    const e2 = planDrop(doc2, treeOf(doc2), nid(1), nid(2), "after")!;
    expect(e2.op.op).toBe("reorder");
    expect(kids(treeOf(commit(doc2, e2)))).toEqual([nid(2), nid(1)]);
  });

  it("before/after a node elsewhere: reparents beside it", () => {
    const doc = fixture();
    const e = planDrop(doc, treeOf(doc), nid(2), nid(3), "after")!;
    expect(e.op.op).toBe("reparent");
    expect(kids(treeOf(commit(doc, e)), nid(1))).toEqual([nid(3), nid(2), nid(4)]);
    const doc2 = fixture();
    const e2 = planDrop(doc2, treeOf(doc2), nid(3), nid(1), "before")!;
    expect(e2.op.op).toBe("reparent");
    expect(kids(treeOf(commit(doc2, e2)))).toEqual([nid(3), nid(1), nid(2)]);
  });

  it("onto itself: nothing", () => {
    const doc = fixture();
    expect(planDrop(doc, treeOf(doc), nid(1), nid(1), "inside")).toBeNull();
  });

  it("under its own descendant: refused as WouldCycle", () => {
    const doc = fixture();
    expectRefused(() => planDrop(doc, treeOf(doc), nid(1), nid(3), "inside"), "WouldCycle");
    expectRefused(() => planDrop(doc, treeOf(doc), nid(1), nid(4), "after"), "WouldCycle");
  });
});
