import * as A from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import { readLayer } from "./decode";
import { createNode } from "./ops";
import { addComponent, removeComponent, setComponentProperty, setProperty, setTransformElement } from "./propops";
import { apply, commit, expectRefused, newLayer, nid, treeOf, typeAt, TIME, type Layer } from "./testlayer";

/** A layer holding node 1, with a light component. */
function layer(): A.Doc<Layer> {
  const doc = newLayer();
  return commit(doc, createNode(doc, { id: nid(1), components: { light: { on: true } } }));
}

describe("setProperty", () => {
  it("writes a scalar string over a Text, with the Go message", () => {
    let doc = A.change(layer(), { time: TIME }, (d) => {
      (d.nodes[nid(1)] as Record<string, unknown>).name = "typed as Text";
    });
    expect(typeAt(doc, ["nodes", nid(1), "name"])).toBe("text");
    const r = apply(doc, setProperty(doc, nid(1), "name", "Crate"));
    expect(r.msgs[0]).toEqual({ version: 1, op: "setProperty", nodes: [nid(1)], props: ["/name"] });
    expect(typeAt(r.doc, ["nodes", nid(1), "name"])).toBe("str");
    doc = commit(r.doc, setProperty(r.doc, nid(1), "kind", ""));
    expect(treeOf(doc).nodes[nid(1)]!.kind).toBe("empty");
  });

  it("refuses parent, order, lone surrogates and unknown nodes", () => {
    const doc = layer();
    expectRefused(() => setProperty(doc, nid(1), "parent" as "name", "x"), "InvalidProperty");
    expectRefused(() => setProperty(doc, nid(1), "name", "\udc00"), "InvalidValue");
    expectRefused(() => setProperty(doc, nid(2), "name", "x"), "NodeNotFound");
  });
});

describe("setTransformElement", () => {
  it("writes one f64 element in place, so concurrent x and y edits both survive", () => {
    const base = layer();
    const peer = A.clone(base, "bb".repeat(16));
    const x = commit(base, setTransformElement(base, nid(1), "t", 0, 5));
    const y = commit(peer, setTransformElement(peer, nid(1), "t", 1, 2));
    const merged = A.merge(x, y);
    expect(treeOf(merged).nodes[nid(1)]!.transform.t).toEqual([5, 2, 0]);
    expect(typeAt(merged, ["nodes", nid(1), "transform", "t", 0])).toBe("f64");
    const r = apply(merged, setTransformElement(merged, nid(1), "r", 3, 0.5));
    expect(r.msgs[0]).toEqual({ version: 1, op: "setTransform", nodes: [nid(1)], props: ["/transform/r/3"] });
  });

  it("refuses bad vectors, indices and values, and malformed nodes", () => {
    const doc = A.change(layer(), (d) => {
      d.nodes[nid(2)] = { name: new A.RawString("no transform") };
    });
    expectRefused(() => setTransformElement(doc, nid(1), "q" as "t", 0, 1), "InvalidProperty");
    expectRefused(() => setTransformElement(doc, nid(1), "t", 3, 1), "InvalidProperty");
    expectRefused(() => setTransformElement(doc, nid(1), "t", 0.5, 1), "InvalidProperty");
    expectRefused(() => setTransformElement(doc, nid(1), "t", 0, Infinity), "InvalidValue");
    expectRefused(() => setTransformElement(doc, nid(2), "t", 0, 1), "MalformedNode");
    expect(readLayer(doc).nodes[nid(2)]!.warnings).toBeDefined(); // shown with defaults all the same
  });
});

describe("components", () => {
  it("adds, edits and removes components with the Go messages", () => {
    let doc = layer();
    let r = apply(doc, addComponent(doc, nid(1), "a/b~", { intensity: 2.5, color: "#fff", tags: ["x", 1], when: new Date(0) }));
    expect(r.msgs[0]).toEqual({ version: 1, op: "addComponent", nodes: [nid(1)], props: ["/components/a~1b~0"] });
    doc = r.doc;
    expect(typeAt(doc, ["nodes", nid(1), "components", "a/b~", "color"])).toBe("str");
    expect(typeAt(doc, ["nodes", nid(1), "components", "a/b~", "tags", 0])).toBe("str");
    expect(typeAt(doc, ["nodes", nid(1), "components", "a/b~", "intensity"])).toBe("f64");
    r = apply(doc, setComponentProperty(doc, nid(1), "light", "intensity", 3));
    expect(r.msgs[0]!.props).toEqual(["/components/light/intensity"]);
    doc = r.doc;
    expect(typeAt(doc, ["nodes", nid(1), "components", "light", "intensity"])).toBe("int");
    r = apply(doc, removeComponent(doc, nid(1), "a/b~"));
    expect(r.msgs[0]!.op).toBe("removeComponent");
    expect(treeOf(r.doc).nodes[nid(1)]!.components).toEqual({ light: { on: true, intensity: 3 } });
  });

  it("refuses as Go does", () => {
    const doc = A.change(layer(), (d) => {
      ((d.nodes[nid(1)] as Record<string, unknown>).components as Record<string, unknown>).bad = 7;
    });
    expectRefused(() => addComponent(doc, nid(1), "light"), "ComponentExists");
    expectRefused(() => addComponent(doc, nid(1), ""), "InvalidProperty");
    expectRefused(() => addComponent(doc, nid(1), "x", { "": 1 }), "InvalidProperty");
    expectRefused(() => addComponent(doc, nid(1), "x", { v: NaN }), "InvalidValue");
    expectRefused(() => addComponent(doc, nid(1), "x", { v: new A.Counter(1) }), "InvalidValue");
    expectRefused(() => removeComponent(doc, nid(1), "nope"), "ComponentNotFound");
    expectRefused(() => removeComponent(doc, nid(1), "bad"), "MalformedNode");
    expectRefused(() => setComponentProperty(doc, nid(1), "nope", "k", 1), "ComponentNotFound");
    expectRefused(() => setComponentProperty(doc, nid(1), "light", "", 1), "InvalidProperty");
    expectRefused(() => setComponentProperty(doc, nid(1), "light", "k", undefined), "InvalidValue");
    expectRefused(() => setComponentProperty(doc, nid(1), "light", "k", 2n ** 64n), "InvalidValue");
  });
});
