// How a diff is shown: which node gets which highlight (diffHighlights),
// and the tree the viewport and outliner draw for "diff against now" —
// the current tree plus the nodes removed since, as ghosts under their old
// parent (mergeRemoved), so every highlighted node can be seen.

import type { LayerDiff } from "./historyapi";
import { ROOT, walk, type NodeId, type ResolvedNode, type Tree } from "./scene";

/** How a node differs; the strongest wins when several apply. */
export type DiffMark = "added" | "removed" | "moved" | "changed";

const STRENGTH: Record<DiffMark, number> = { changed: 1, moved: 2, removed: 3, added: 3 };

/** The viewport colour of each mark. */
export const MARK_COLORS: Record<DiffMark, number> = {
  added: 0x4cd964,
  removed: 0xff4d4d,
  moved: 0x4da6ff,
  changed: 0xffa531,
};

/** Per layer id, per node id, the node's mark. */
export type Highlights = Map<string, Map<string, DiffMark>>;

/** Maps per-layer diffs to one mark per node (added/removed over moved over changed). */
export function diffHighlights(layers: readonly LayerDiff[]): Highlights {
  const out: Highlights = new Map();
  for (const l of layers) {
    const m = new Map<string, DiffMark>();
    const mark = (id: string, k: DiffMark): void => {
      const prev = m.get(id);
      if (prev === undefined || STRENGTH[k] > STRENGTH[prev]) m.set(id, k);
    };
    for (const id of l.diff.added) mark(id, "added");
    for (const id of l.diff.removed) mark(id, "removed");
    for (const mv of l.diff.moved) mark(mv.id, "moved");
    for (const c of l.diff.changed) mark(c.id, "changed");
    if (m.size > 0) out.set(l.id, m);
  }
  return out;
}

/** Counts of each mark over all layers, e.g. for "3 added, 1 removed". */
export function markCounts(h: Highlights): Record<DiffMark, number> {
  const c: Record<DiffMark, number> = { added: 0, removed: 0, moved: 0, changed: 0 };
  for (const m of h.values()) for (const k of m.values()) c[k]++;
  return c;
}

/** "2 added, 1 moved" ("no differences" when empty). */
export function countsText(h: Highlights): string {
  const c = markCounts(h);
  const parts = (Object.keys(c) as DiffMark[]).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
  return parts.length === 0 ? "no differences" : parts.join(", ");
}

/**
 * Returns now's tree with the removed nodes of old added back: each under
 * its old parent when that is in the result (removed parents are placed
 * first, in old's display order), else at the root. Neither input changes.
 */
export function mergeRemoved(now: Tree, old: Tree, removed: readonly string[]): Tree {
  const gone = new Set(removed);
  const nodes: Record<string, ResolvedNode> = {};
  for (const [id, n] of Object.entries(now.nodes)) nodes[id] = { ...n, children: [...n.children] };
  const roots = [...now.roots];
  walk(old, (id) => {
    if (!gone.has(id) || Object.prototype.hasOwnProperty.call(nodes, id)) return;
    const n = old.nodes[id]!;
    const parent = n.parent !== ROOT && Object.prototype.hasOwnProperty.call(nodes, n.parent) ? n.parent : ROOT;
    nodes[id] = { ...n, parent, children: [] };
    if (parent === ROOT) roots.push(id);
    else nodes[parent]!.children.push(id);
  });
  // Removed nodes that old's walk does not reach (not in old at all) stay out.
  return { roots: roots as NodeId[], nodes };
}
