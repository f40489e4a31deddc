// The structural view of a layer that operations validate against and
// place nodes by (Go scene/snapshot.go): every node's declared parent and
// order, read with readLayer's leniency, and the tree resolve makes of
// them. It reads a document root as automerge JS gives it (or plain JSON).

import { checkSchema, LAYER_RULE } from "./decode";
import { SceneError } from "./errors";
import { asString, getOwn, hasOwn, isMap, setOwn, typeName, type PlainMap } from "./plain";
import { resolve, resolvedNode, subtree } from "./tree";
import { defaultNode, nodeId, type LayerState, type NodeId, type Tree } from "./types";

/**
 * Returns the layer's `nodes` map after checking the schema the way
 * readLayer does (Go layerNodes). Throws NotLayer or UnsupportedSchema.
 */
export function layerNodes(root: unknown): PlainMap {
  if (!isMap(root)) throw new SceneError("NotLayer", `root is ${typeName(root)}, want map`);
  checkSchema(root, LAYER_RULE);
  const nodes = getOwn(root, "nodes");
  if (!isMap(nodes)) throw new SceneError("NotLayer", `root.nodes is ${typeName(nodes)}, want map`);
  return nodes;
}

/** Reads a string field as decodeNode does; anything but a string reads "". */
export function stringField(m: PlainMap, key: string): string {
  return asString(getOwn(m, key)) ?? "";
}

/** A layer's structure: declared parents and orders, and their resolved tree. */
export class Snapshot {
  /** The layer's `nodes` map as read. */
  readonly nodes: PlainMap;
  /** Parent and order of every node; other fields at their defaults. */
  readonly state: LayerState;
  /** The resolved tree of state. */
  readonly tree: Tree;

  constructor(nodes: PlainMap, state: LayerState) {
    this.nodes = nodes;
    this.state = state;
    this.tree = resolve(state);
  }

  /** Reads the structure of a layer document root. */
  static read(root: unknown): Snapshot {
    const nodes = layerNodes(root);
    const st: LayerState = { schema: LAYER_RULE.want, nodes: {} };
    for (const k of Object.keys(nodes)) {
      const n = defaultNode(nodeId(k));
      const v = getOwn(nodes, k);
      if (isMap(v)) {
        n.parent = nodeId(stringField(v, "parent"));
        n.order = stringField(v, "order");
      }
      setOwn(st.nodes, k, n);
    }
    return new Snapshot(nodes, st);
  }

  /**
   * Returns the snapshot as it will be once node id (existing or new) has
   * the given declared parent and order, for planning several edits that
   * are applied one after another.
   */
  with(id: NodeId, parent: NodeId, order: string): Snapshot {
    const st: LayerState = { schema: this.state.schema, nodes: { ...this.state.nodes } };
    setOwn(st.nodes, id, { ...defaultNode(id), parent, order });
    return new Snapshot(this.nodes, st);
  }

  /** Reports whether id is a node of the layer. */
  has(id: string): boolean {
    return id !== "" && resolvedNode(this.tree, id) !== undefined;
  }

  /** Returns the resolved children of parent ("" = the layer root). */
  children(parent: NodeId): NodeId[] {
    if (parent === "") return this.tree.roots;
    return resolvedNode(this.tree, parent)?.children ?? [];
  }

  /** Returns the resolved parent of a node of the layer. */
  resolvedParent(id: NodeId): NodeId {
    return resolvedNode(this.tree, id)?.parent ?? nodeId("");
  }

  /** Returns the order of a node of the layer. */
  order(id: NodeId): string {
    return hasOwn(this.state.nodes, id) ? this.state.nodes[id]!.order : "";
  }

  /** Reports whether anc is id or one of id's resolved ancestors. */
  isAncestorOrSelf(anc: NodeId, id: NodeId): boolean {
    for (let cur = id; cur !== ""; cur = this.resolvedParent(cur)) {
      if (cur === anc) return true;
    }
    return false;
  }

  /** Returns id and its resolved descendants, depth first in sibling order. */
  subtree(id: NodeId): NodeId[] {
    return subtree(this.tree, id);
  }
}

/**
 * Returns the map of node id in `nodes`, throwing NodeNotFound if the layer
 * has no such node and MalformedNode if its value is not a map.
 */
export function nodeMap(nodes: PlainMap, id: string): PlainMap {
  if (id === "") throw new SceneError("NodeNotFound", "empty node id");
  if (!hasOwn(nodes, id)) throw new SceneError("NodeNotFound", id);
  const v = getOwn(nodes, id);
  if (!isMap(v)) throw new SceneError("MalformedNode", `node ${id} is ${typeName(v)}, not a map`);
  return v;
}

/** Returns the map under key in node id's map m, or throws MalformedNode. */
export function subMap(m: PlainMap, id: string, key: string): PlainMap {
  const v = getOwn(m, key);
  if (!isMap(v)) throw new SceneError("MalformedNode", `node ${id}: ${key} is ${typeName(v)}, want map`);
  return v;
}

/**
 * Reports whether nodes created with ids for which created is true, under
 * parent, would close a cycle of declared parents: following declared
 * parents up from parent ends at a missing node that is one of them (an
 * orphan left by an earlier delete of that id). Go adoptsAncestor.
 */
export function adoptsAncestor(nodes: PlainMap, parent: NodeId, created: (id: NodeId) => boolean): boolean {
  const seen = new Set<string>();
  for (let cur = parent; cur !== "" && !seen.has(cur); ) {
    seen.add(cur);
    if (!hasOwn(nodes, cur)) return created(cur);
    const v = getOwn(nodes, cur);
    if (!isMap(v)) return false; // a non-map node reads with parent ""
    cur = nodeId(stringField(v, "parent"));
  }
  return false;
}
