import { describe, expect, it } from "vitest";
import { decodeLayerJSON, readLayer } from "./decode";
import { compareBytewise } from "./strings";
import { fs, readVector, sceneTestdata } from "./testfs";
import { resolve, resolvedNode, walk } from "./tree";
import { defaultNode, nodeId, type LayerState, type Tree } from "./types";

/** One golden vector of scene/testdata/tree (format: scene/vectors_test.go). */
interface TreeVector {
  name: string;
  description: string;
  state: unknown;
  expected: {
    roots: string[];
    nodes: Record<string, ExpectedNode>;
  };
}

/** The expected placement of one node; the optional fields are compared when present. */
interface ExpectedNode {
  parent: string;
  declaredParent?: string;
  children: string[];
  orphan: boolean;
  cycleBroken: boolean;
  name?: string;
  kind?: string;
  order?: string;
  asset?: string;
  transform?: unknown;
  components?: unknown;
}

const treeDir = new URL("tree/", sceneTestdata);
const files = fs.readdirSync(treeDir).filter((f) => f.endsWith(".json")).sort();

describe("tree golden vectors (scene/testdata/tree)", () => {
  it("finds the required vectors", () => {
    for (const required of [
      "empty", "flat-ordering", "deep-nesting", "orphan-missing-parent", "self-parent",
      "cycle-two-nodes", "cycle-three-with-subtree", "cycles-two-disjoint",
      "cycle-plus-orphan", "mixed-js-values", "order-utf8-bytewise",
    ]) {
      expect(files).toContain(`${required}.json`);
    }
  });

  it.each(files)("%s", (file) => {
    const v = readVector<TreeVector>(`tree/${file}`);
    expect(v.name).toBe(file.replace(/\.json$/, ""));
    const state = readLayer(v.state);
    const tree = resolve(state);
    checkInvariants(state, tree);
    expect(tree.roots).toEqual(v.expected.roots);
    expect(Object.keys(tree.nodes).sort()).toEqual(Object.keys(v.expected.nodes).sort());
    for (const [id, want] of Object.entries(v.expected.nodes)) {
      const got = tree.nodes[id]!;
      const place = {
        parent: got.parent, declaredParent: got.declaredParent ?? "", children: got.children,
        orphan: got.orphan, cycleBroken: got.cycleBroken,
      };
      expect(place, id).toEqual({
        parent: want.parent, declaredParent: want.declaredParent ?? "", children: want.children,
        orphan: want.orphan, cycleBroken: want.cycleBroken,
      });
      for (const f of ["name", "kind", "order", "asset", "transform", "components"] as const) {
        if (want[f] !== undefined) expect(got[f], `${id}.${f}`).toEqual(want[f]);
      }
    }
  });
});

/** Checks what resolve promises for any state: every node once, sorted siblings, consistent parents. */
function checkInvariants(state: LayerState, tree: Tree): void {
  const seen = new Map<string, number>();
  walk(tree, (id, depth) => {
    expect(seen.has(id), `${id} visited twice`).toBe(false);
    seen.set(id, depth);
  });
  expect(seen.size).toBe(Object.keys(state.nodes).length);
  const sorted = (ids: string[]): void => {
    for (let i = 1; i < ids.length; i++) {
      const a = tree.nodes[ids[i - 1]!]!;
      const b = tree.nodes[ids[i]!]!;
      expect(compareBytewise(a.order, b.order) || compareBytewise(a.id, b.id)).toBeLessThan(0);
    }
  };
  sorted(tree.roots);
  for (const [id, rn] of Object.entries(tree.nodes)) {
    sorted(rn.children);
    for (const c of rn.children) expect(tree.nodes[c]!.parent).toBe(id);
    const declared = state.nodes[id]!.parent;
    if (rn.orphan || rn.cycleBroken) expect([rn.parent, rn.declaredParent]).toEqual(["", declared]);
    else expect([rn.parent, rn.declaredParent]).toEqual([declared, undefined]);
  }
}

describe("resolve", () => {
  it("orders by UTF-8 bytes, not UTF-16 code units", () => {
    expect(compareBytewise("\u{1F600}", "\uFFFF")).toBeGreaterThan(0);
    expect("\u{1F600}" < "\uFFFF").toBe(true); // what plain JS would do
    expect(compareBytewise("a", "ab")).toBeLessThan(0);
    expect(compareBytewise("é", "z")).toBeGreaterThan(0);
  });

  it("breaks a cycle at the byte-wise smallest id", () => {
    const tree = resolve(decodeLayerJSON(JSON.stringify({
      nodes: { "\u{1F600}": { parent: "\uFFFF" }, "\uFFFF": { parent: "\u{1F600}" } },
    })));
    expect(tree.roots).toEqual(["\uFFFF"]);
    expect(tree.nodes["\uFFFF"]!.cycleBroken).toBe(true);
  });

  it("survives ids that are Object.prototype names and a 100,000-deep chain", () => {
    const nodes: Record<string, unknown> = {};
    Object.defineProperty(nodes, "__proto__", { value: { parent: "constructor" }, enumerable: true });
    Object.defineProperty(nodes, "constructor", { value: { parent: "toString" }, enumerable: true });
    const tree = resolve(readLayer({ nodes }));
    expect(tree.roots).toEqual(["constructor"]);
    expect(resolvedNode(tree, "constructor")).toMatchObject({ orphan: true, children: ["__proto__"] });
    expect(resolvedNode(tree, "toString")).toBeUndefined();

    const chain: LayerState = { schema: "", nodes: {} };
    for (let i = 0; i < 100_000; i++) {
      chain.nodes[`n${i}`] = { ...defaultNode(nodeId(`n${i}`)), parent: nodeId(i === 0 ? "" : `n${i - 1}`) };
    }
    const deep = resolve(chain);
    let max = 0;
    walk(deep, (_id, d) => (max = Math.max(max, d)));
    expect(max).toBe(99_999);
  });

  it("gives an empty tree for no state", () => {
    expect(resolve(undefined)).toEqual({ roots: [], nodes: {} });
  });
});
