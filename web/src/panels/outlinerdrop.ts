// Where a row dropped in the outliner goes: the pointer's height within the
// target row picks a zone (top quarter: before it, bottom quarter: after
// it, the middle: inside it, as its last child), and the zone picks the
// scene operation: reparent under the target (inside), reorder among the
// same siblings, or reparent beside the target under its parent. The
// operation refuses cycles (WouldCycle) like any other; the caller shows
// that in the status bar.

import { reorder, reparent, resolvedNode, ROOT, SceneError, type NodeId, type OpOptions, type SceneEdit, type Tree } from "../scene";

/** Where a drop goes relative to the row under the pointer. */
export type DropZone = "before" | "inside" | "after";

/** The zone of a pointer at offsetY within a row of the given height. */
export function dropZone(offsetY: number, height: number): DropZone {
  if (height <= 0) return "inside";
  const f = offsetY / height;
  if (f < 0.25) return "before";
  if (f > 0.75) return "after";
  return "inside";
}

/**
 * Plans the move of dragged onto target in zone, on the layer's current
 * document (doc) and its resolved tree. It returns null for a drop that
 * moves nothing (onto itself); errors are the operations' SceneErrors
 * (WouldCycle for a drop under its own descendant).
 */
export function planDrop(doc: unknown, tree: Tree, dragged: NodeId, target: NodeId, zone: DropZone, opt: OpOptions = {}): SceneEdit | null {
  if (dragged === target) return null;
  const t = resolvedNode(tree, target);
  const d = resolvedNode(tree, dragged);
  if (t === undefined) throw new SceneError("NodeNotFound", target);
  if (d === undefined) throw new SceneError("NodeNotFound", dragged);
  if (zone === "inside") return reparent(doc, dragged, target, {}, opt);
  const at = zone === "before" ? { before: target } : { after: target };
  const parent = t.parent;
  if (d.parent === parent) return reorder(doc, dragged, at, opt);
  return reparent(doc, dragged, parent === ROOT ? ROOT : parent, at, opt);
}
