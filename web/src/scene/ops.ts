// Structural scene operations on a layer document (Go scene/ops.go and
// scene/copyops.go): create, delete subtree, reparent, reorder, duplicate
// subtree, and group. Each validates against the document as it is, throws
// a SceneError having written nothing, and otherwise returns the SceneEdit
// (edit.ts) that makes the same writes and carries the same commit message
// as the Go operation.

import * as A from "@automerge/automerge";
import { decodeNode } from "./decode";
import { checkOptions, liveNode, makeEdit, newNodeId, type OpOptions, type SceneEdit } from "./edit";
import { SceneError } from "./errors";
import { Op } from "./opmessage";
import { getOwn, hasOwn, type PlainMap } from "./plain";
import { isZeroPosition, place, validatePosition, type Placement, type Position } from "./position";
import { prepareNode, writeNode, type MutableMap, type NodeInput, type PreparedNode } from "./nodewrite";
import { adoptsAncestor, layerNodes, nodeMap, Snapshot } from "./snapshot";
import { walk } from "./tree";
import { Kind, nodeId, ROOT, type NodeId } from "./types";

/** Writes the re-keyed siblings' orders (Go placement.write). */
function writeRekeys(nodes: MutableMap, p: Placement): void {
  for (const w of p.rekeys) liveNode(nodes, w.id).order = new A.RawString(w.order);
}

/** The re-keyed siblings for the commit message, or undefined for none. */
function rekeyed(p: Placement): NodeId[] | undefined {
  return p.rekeys.length > 0 ? p.rekeys.map((w) => w.id) : undefined;
}

/** Throws StaleEdit if a node the edit creates exists by now. */
function assertAbsent(nodes: MutableMap, id: string): void {
  if (hasOwn(nodes, id)) throw new SceneError("StaleEdit", `node ${id} exists since the edit was planned`);
}

/**
 * Creates a node with every container it will need, as one change (Go
 * CreateNode, op "create"). n.parent must be "" or an existing node
 * (NodeNotFound), and not hang under an orphan that names n.id as its
 * parent (WouldCycle). The order is n.order if set, and then at must be {}
 * (InvalidPosition); otherwise it comes from at, by default after the last
 * sibling. An omitted id is drawn with opt.newId (default a random UUID).
 * Errors: InvalidNode, NodeExists, NodeNotFound, WouldCycle,
 * InvalidPosition, NotLayer.
 */
export function createNode(doc: unknown, input: NodeInput, at: Position = {}, opt: OpOptions = {}): SceneEdit {
  return planCreate(doc, input, at, opt).edit;
}

/** A planned edit and where it places its node. */
interface Planned {
  edit: SceneEdit;
  placement: Placement;
}

/** Plans createNode. */
function planCreate(doc: unknown, input: NodeInput, at: Position, opt: OpOptions): Planned {
  checkOptions(opt);
  const nodes = layerNodes(doc);
  if (input.order && !isZeroPosition(at)) {
    throw new SceneError("InvalidPosition", "node has an order and a position");
  }
  const n = prepareNode({ ...input, id: input.id ?? newNodeId(opt) });
  if (hasOwn(nodes, n.id)) throw new SceneError("NodeExists", n.id);
  const p = placeNew(doc, nodes, n, at);
  if (adoptsAncestor(nodes, n.parent, (x) => x === n.id)) {
    throw new SceneError("WouldCycle", `${n.id} under ${n.parent}, which hangs under an orphan of ${n.id}`);
  }
  const node: PreparedNode = { ...n, order: p.order };
  const op = { op: Op.Create, nodes: [n.id], props: [""], parent: n.parent, rekeyed: rekeyed(p) };
  const edit = makeEdit(op, opt, (live) => {
    assertAbsent(live, n.id);
    writeNode(live, node);
    writeRekeys(live, p);
  });
  return { edit, placement: p };
}

/** Checks a new node's parent and computes its placement, reading the structure only when siblings decide. */
function placeNew(doc: unknown, nodes: PlainMap, n: PreparedNode, at: Position): Placement {
  validatePosition(at);
  const order = n.order || at.order;
  if (order) {
    if (n.parent !== "") {
      try {
        nodeMap(nodes, n.parent);
      } catch (err) {
        if (!(err instanceof SceneError && err.code === "MalformedNode")) throw err;
      }
    }
    return { order, rekeys: [] };
  }
  const snap = Snapshot.read(doc);
  if (n.parent !== "" && !snap.has(n.parent)) throw new SceneError("NodeNotFound", `parent ${n.parent}`);
  return place(snap, n.id, n.parent, at);
}

/**
 * Deletes node id and all its descendants in the resolved tree (orphans and
 * cycle-broken nodes shown under it included) as one change (Go
 * DeleteSubtree, op "delete"), listing every deleted id: id first, then
 * depth first in sibling order. Errors: NodeNotFound, NotLayer.
 */
export function deleteSubtree(doc: unknown, id: NodeId, opt: OpOptions = {}): SceneEdit {
  checkOptions(opt);
  const snap = Snapshot.read(doc);
  if (!snap.has(id)) throw new SceneError("NodeNotFound", id);
  const ids = snap.subtree(id);
  return makeEdit({ op: Op.Delete, nodes: ids, props: [""] }, opt, (live) => {
    for (const x of ids) {
      if (!hasOwn(live, x)) throw new SceneError("StaleEdit", `node ${x} was deleted since the edit was planned`);
      delete live[x];
    }
  });
}

/**
 * Makes parent ("" = the layer root) the declared parent of node id and
 * places it among parent's children as at says, writing `parent` and
 * `order` in one change (Go Reparent, op "reparent"). Refuses (WouldCycle)
 * a parent that is id or one of its descendants in the resolved tree.
 * Errors: NodeNotFound (id or parent), WouldCycle, InvalidPosition,
 * MalformedNode, NotLayer.
 */
export function reparent(doc: unknown, id: NodeId, parent: NodeId, at: Position = {}, opt: OpOptions = {}): SceneEdit {
  checkOptions(opt);
  return reparentIn(Snapshot.read(doc), id, parent, at, opt).edit;
}

/** Plans a reparent against snap. */
function reparentIn(snap: Snapshot, id: NodeId, parent: NodeId, at: Position, opt: OpOptions): Planned {
  if (!snap.has(id)) throw new SceneError("NodeNotFound", id);
  if (parent !== "" && !snap.has(parent)) throw new SceneError("NodeNotFound", `parent ${parent}`);
  if (parent !== "" && snap.isAncestorOrSelf(id, parent)) throw new SceneError("WouldCycle", `${id} under ${parent}`);
  return moveWithin(snap, id, parent, at, opt, Op.Reparent);
}

/**
 * Moves node id among its current siblings (the children of its resolved
 * parent) as at says, writing only its `order` (Go Reorder, op "reorder"):
 * with {after: x, before: y} its order is keyBetween(order(x), order(y)),
 * re-keying siblings only when that is impossible. Errors: NodeNotFound,
 * InvalidPosition, MalformedNode, NotLayer.
 */
export function reorder(doc: unknown, id: NodeId, at: Position, opt: OpOptions = {}): SceneEdit {
  checkOptions(opt);
  const snap = Snapshot.read(doc);
  if (!snap.has(id)) throw new SceneError("NodeNotFound", id);
  return moveWithin(snap, id, snap.resolvedParent(id), at, opt, Op.Reorder).edit;
}

/** Plans a validated reparent (op "reparent") or reorder. */
function moveWithin(
  snap: Snapshot,
  id: NodeId,
  parent: NodeId,
  at: Position,
  opt: OpOptions,
  op: typeof Op.Reparent | typeof Op.Reorder,
): Planned {
  nodeMap(snap.nodes, id);
  const p = place(snap, id, parent, at);
  const isReparent = op === Op.Reparent;
  const msg = isReparent
    ? { op, nodes: [id], props: ["/parent", "/order"], parent, rekeyed: rekeyed(p) }
    : { op, nodes: [id], props: ["/order"], rekeyed: rekeyed(p) };
  const edit = makeEdit(msg, opt, (live) => {
    const nm = liveNode(live, id);
    if (isReparent) nm.parent = new A.RawString(parent);
    nm.order = new A.RawString(p.order);
    writeRekeys(live, p);
  });
  return { edit, placement: p };
}

/** A duplicate edit and the map from each original id to its copy's. */
export interface DuplicateEdit extends SceneEdit {
  readonly ids: ReadonlyMap<NodeId, NodeId>;
}

/**
 * Copies node id and its resolved descendants with new ids (opt.newId,
 * random UUIDs by default), placing the copy of id under parent as at says
 * ({after: id} puts it right after the original under the same parent), as
 * one change (Go DuplicateSubtree, op "duplicate"; "nodes" lists the new
 * ids in the order of "sources", depth first). Values are copied as they
 * read (Text → string, counter → number, malformed fields → defaults).
 * Errors: NodeNotFound (id or parent), NodeExists (newId returned an id in
 * use), WouldCycle, InvalidNode, InvalidPosition, NotLayer.
 */
export function duplicateSubtree(
  doc: unknown,
  id: NodeId,
  parent: NodeId,
  at: Position = {},
  opt: OpOptions = {},
): DuplicateEdit {
  checkOptions(opt);
  const snap = Snapshot.read(doc);
  if (!snap.has(id)) throw new SceneError("NodeNotFound", id);
  if (parent !== "" && !snap.has(parent)) throw new SceneError("NodeNotFound", `parent ${parent}`);
  const olds = snap.subtree(id);
  const ids = newIds(snap, olds, opt);
  const news = olds.map((o) => ids.get(o)!);
  const p = place(snap, news[0]!, parent, at);
  if (adoptsAncestor(snap.nodes, parent, (x) => news.includes(x))) {
    throw new SceneError("WouldCycle", `${JSON.stringify(parent)} hangs under an orphan of a node being placed above it`);
  }
  const copies = olds.map((old, i) => {
    const n = decodeNode(old, getOwn(snap.nodes, old));
    const top = i === 0;
    const copyParent = top ? parent : ids.get(snap.resolvedParent(old))!;
    return prepareNode({ ...n, id: ids.get(old)!, parent: copyParent, order: top ? p.order : n.order });
  });
  const op = { op: Op.Duplicate, nodes: news, props: [""], parent, rekeyed: rekeyed(p), sources: olds };
  const edit = makeEdit(op, opt, (live) => {
    for (const c of copies) {
      assertAbsent(live, c.id);
      writeNode(live, c);
    }
    writeRekeys(live, p);
  });
  return { ...edit, ids };
}

/** Draws a new id for every node of olds (Go newIDs); NodeExists for one in use or drawn twice. */
function newIds(snap: Snapshot, olds: NodeId[], opt: OpOptions): Map<NodeId, NodeId> {
  const ids = new Map<NodeId, NodeId>();
  const used = new Set<string>();
  for (const old of olds) {
    const nid = newNodeId(opt);
    if (used.has(nid) || snap.has(nid)) throw new SceneError("NodeExists", `new id ${nid}`);
    used.add(nid);
    ids.set(old, nid);
  }
  return ids;
}

/** Options of groupNodes: the new parent's id, name and kind. */
export interface GroupOptions extends OpOptions {
  /** The group node's id; default opt.newId or a random UUID. */
  id?: string;
  /** Default "Group". */
  name?: string;
  /** Default "empty" (an empty parent). */
  kind?: string;
}

/**
 * Groups nodes under a new parent: an empty node (kind "empty", identity
 * transform, so nothing moves in the world) created where the first of
 * them is shown (under its resolved parent, just before it), then every
 * selected node reparented under it, in display order. Nodes whose
 * ancestor is also selected move with it and are not reparented
 * themselves. Go has no group operation, so this returns the edits of the
 * Go operations it is made of: one "create", then one "reparent" per moved
 * node; commit them in order, one change each (commitEdits). Errors:
 * NodeNotFound (an empty selection or an unknown id), and those of
 * createNode and reparent.
 */
export function groupNodes(doc: unknown, ids: readonly NodeId[], opt: GroupOptions = {}): SceneEdit[] {
  checkOptions(opt);
  const snap = Snapshot.read(doc);
  for (const id of ids) if (!snap.has(id)) throw new SceneError("NodeNotFound", id);
  const tops = topmost(snap, new Set(ids));
  const first = tops[0];
  if (first === undefined) throw new SceneError("NodeNotFound", "no node to group");
  const parent = snap.resolvedParent(first);
  const group = nodeId(opt.id ?? newNodeId(opt));
  const input: NodeInput = { id: group, name: opt.name ?? "Group", kind: opt.kind ?? Kind.Empty, parent };
  const create = planCreate(doc, input, { before: first }, opt);
  let next = snap.with(group, parent, create.placement.order);
  const edits: SceneEdit[] = [create.edit];
  for (const id of tops) {
    const moved = reparentIn(next, id, group, {}, opt);
    edits.push(moved.edit);
    next = next.with(id, group, moved.placement.order);
  }
  return edits;
}

/** The selected nodes that have no selected ancestor, in display order. */
function topmost(snap: Snapshot, selected: ReadonlySet<NodeId>): NodeId[] {
  const out: NodeId[] = [];
  walk(snap.tree, (id) => {
    if (!selected.has(id)) return;
    for (let p = snap.resolvedParent(id); p !== ROOT; p = snap.resolvedParent(p)) {
      if (selected.has(p)) return;
    }
    out.push(id);
  });
  return out;
}
