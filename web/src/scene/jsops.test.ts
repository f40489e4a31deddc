// Builds a layer document by a fixed sequence of JS operations and keeps
// it as scene/testdata/js-ops.automerge, which scene/jsops_test.go loads
// with automerge-go to check that Go reads, resolves and parses what the
// TypeScript editor writes. Regenerate with:
//
//	UPDATE_VECTORS=1 npx vitest run web/src/scene/jsops
import * as A from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import type { SceneEdit } from "./edit";
import { parseOpMessage, formatOpMessage } from "./opmessage";
import { createNode, deleteSubtree, duplicateSubtree, groupNodes, reorder, reparent } from "./ops";
import { addComponent, removeComponent, setComponentProperty, setProperty, setTransformElement } from "./propops";
import { commit, ids, kids, newLayer, nid, treeOf, type Layer } from "./testlayer";
import { fs, sceneTestdata, updateVectors } from "./testfs";
import { nodeId } from "./types";

const file = new URL("js-ops.automerge", sceneTestdata);

/** The fixed sequence of operations; each step plans against the document as it then is. */
const steps: Array<(d: A.Doc<Layer>) => SceneEdit | SceneEdit[]> = [
  (d) => createNode(d, {
    id: nid(1), name: "Crate", kind: "mesh", asset: "asset://crate.glb",
    transform: { t: [1, 2, 3], r: [0, 0, 0, 1], s: [1, 1, 1] },
    components: { light: { intensity: 2.5, color: "warm", on: true } },
  }, {}, { author: "ana" }),
  (d) => createNode(d, { id: nid(2), name: "Barrel" }),
  (d) => createNode(d, { id: nid(3), name: "Lamp", kind: "light", parent: nid(1) }),
  (d) => createNode(d, { id: nid(4), name: "Fence" }, { before: nid(1) }),
  (d) => setTransformElement(d, nid(1), "t", 0, 5.5),
  (d) => setTransformElement(d, nid(1), "s", 1, 2),
  (d) => setProperty(d, nid(2), "name", "Barrel ✓", { author: "zoë \u2028 <z@x>" }),
  (d) => setProperty(d, nid(2), "kind", "mesh"),
  (d) => reparent(d, nid(2), nid(1), { before: nid(3) }),
  (d) => reorder(d, nid(4), { after: nid(1) }),
  (d) => addComponent(d, nid(3), "light", { intensity: 3, color: "#ffcc00", tags: ["a", "b"] }),
  (d) => setComponentProperty(d, nid(3), "light", "intensity", 4.25),
  (d) => removeComponent(d, nid(1), "light"),
  (d) => duplicateSubtree(d, nid(1), nodeId(""), { after: nid(1) }, { newId: ids(11) }),
  (d) => deleteSubtree(d, nid(12)),
  (d) => groupNodes(d, [nid(4), nid(11)], { id: nid(20), name: "Props" }),
  (d) => createNode(d, { id: nid(5), parent: nid(3), order: "a0" }),
  (d) => createNode(d, { id: nid(6), parent: nid(3), order: "a0" }), // as a concurrent insert into one gap
  (d) => createNode(d, { id: nid(7), parent: nid(3) }, { after: nid(5), before: nid(6) }),
  (d) => setProperty(d, nid(2), "name", "Barrel ✓"), // changes nothing: an empty change
];

/** Builds the document, one change per edit. */
function build(): A.Doc<Layer> {
  let doc = newLayer();
  for (const step of steps) {
    const edits = step(doc);
    for (const e of Array.isArray(edits) ? edits : [edits]) doc = commit(doc, e);
  }
  return doc;
}

describe("js-ops.automerge (read by scene/jsops_test.go)", () => {
  const doc = build();

  it("resolves to the expected tree", () => {
    const tree = treeOf(doc);
    expect(kids(tree)).toEqual([nid(1), nid(20)]);
    expect(kids(tree, nid(1))).toEqual([nid(2), nid(3)]);
    expect(kids(tree, nid(3))).toEqual([nid(5), nid(7), nid(6)]);
    expect(kids(tree, nid(20))).toEqual([nid(11), nid(4)]);
    expect(kids(tree, nid(11))).toEqual([nid(13)]);
    expect(tree.nodes[nid(1)]!.transform).toEqual({ t: [5.5, 2, 3], r: [0, 0, 0, 1], s: [1, 2, 1] });
    expect(tree.nodes[nid(3)]!.components).toEqual({ light: { color: "#ffcc00", intensity: 4.25, tags: ["a", "b"] } });
    expect(tree.nodes[nid(2)]).toMatchObject({ name: "Barrel ✓", kind: "mesh" });
  });

  it("has one change per edit, each with a Go op message", () => {
    const metas = A.getChangesMetaSince(doc, []);
    expect(metas.length).toBe(1 + 22);
    for (const m of metas.slice(1)) {
      const parsed = parseOpMessage(m.message ?? "");
      expect(parsed, m.message ?? "").toBeDefined();
      expect(formatOpMessage(parsed!)).toBe(m.message);
    }
  });

  it("matches the committed file (UPDATE_VECTORS=1 rewrites it)", () => {
    if (updateVectors()) fs.writeFileSync(file, A.save(doc));
    const saved = A.load<Layer>(fs.readFileSync(file));
    expect(A.getHeads(saved)).toEqual(A.getHeads(doc));
  });
});
