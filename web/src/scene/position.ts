// Where an operation places a node among its siblings, and the order keys
// that requires (Go scene/position.go): a fractional-index key between the
// neighbours, widening the gap and re-keying siblings when neighbours share
// a key or hold an order that is not a key.

import { SceneError } from "./errors";
import { isOrderKey, nKeysBetween } from "./fracindex";
import { nodeMap, type Snapshot } from "./snapshot";
import { isWellFormed } from "./strings";
import type { NodeId } from "./types";

/**
 * Where among its (new) siblings a node goes (Go scene.Position, same JSON
 * fields). Siblings are the children of the target parent in the current
 * resolved tree, without the node itself.
 *
 *  - `{}`: after the last sibling;
 *  - `after` / `before`: immediately after / before that sibling; with
 *    both, they must be adjacent siblings (a stale view is InvalidPosition);
 *  - `order`: that key written verbatim (excludes after and before).
 */
export interface Position {
  after?: NodeId;
  before?: NodeId;
  order?: string;
}

/** Reports whether at is the zero Position (after the last sibling). */
export function isZeroPosition(at: Position): boolean {
  return !at.after && !at.before && !at.order;
}

/** Checks what can be checked without the layer. */
export function validatePosition(at: Position): void {
  if (at.order && (at.after || at.before)) {
    throw new SceneError("InvalidPosition", "an explicit order excludes after/before");
  }
  if (at.order !== undefined && !isWellFormed(at.order)) {
    throw new SceneError("InvalidValue", "order has a lone surrogate");
  }
}

/** A sibling whose order an operation rewrites. */
export interface OrderWrite {
  id: NodeId;
  order: string;
}

/** Where an operation puts a node: its order and the siblings re-keyed to make room. */
export interface Placement {
  order: string;
  rekeys: OrderWrite[];
}

/** A sibling and its current order. */
export interface Sibling {
  id: NodeId;
  order: string;
}

/**
 * Computes where node id (which need not exist yet) goes among the
 * resolved children of parent ("" = root), which must exist. Re-keyed
 * siblings must be maps (MalformedNode otherwise).
 */
export function place(snap: Snapshot, id: NodeId, parent: NodeId, at: Position): Placement {
  validatePosition(at);
  if (at.order) return { order: at.order, rekeys: [] };
  const sibs: Sibling[] = snap
    .children(parent)
    .filter((c) => c !== id)
    .map((c) => ({ id: c, order: snap.order(c) }));
  const i = gapIndex(sibs, id, parent, at);
  const p = keysForGap(sibs, i);
  for (const w of p.rekeys) nodeMap(snap.nodes, w.id);
  return p;
}

/** Returns the index in sibs before which at puts the node. */
function gapIndex(sibs: Sibling[], id: NodeId, parent: NodeId, at: Position): number {
  const find = (x: NodeId): number => {
    const i = sibs.findIndex((s) => s.id === x);
    if (i < 0 || x === id) {
      throw new SceneError("InvalidPosition", `${x} is not another child of ${JSON.stringify(parent)}`);
    }
    return i;
  };
  if (at.after) {
    const i = find(at.after);
    if (at.before && sibs[i + 1]?.id !== at.before) {
      find(at.before);
      throw new SceneError("InvalidPosition", `${at.before} does not directly follow ${at.after}`);
    }
    return i + 1;
  }
  if (at.before) return find(at.before);
  return sibs.length;
}

/**
 * Computes the order of a node inserted before sibs[i] (sorted by order,
 * then id) and the sibling re-keys it needs: it widens the gap (lo, hi)
 * until its bounds are usable and distinct (towards the end first; past an
 * invalid lower bound towards the start), then spreads fresh keys over the
 * node and the siblings inside the gap (Go keysForGap).
 */
export function keysForGap(sibs: readonly Sibling[], i: number): Placement {
  let lo = i - 1;
  let hi = i;
  for (;;) {
    const a = lowBound(sibs, lo);
    const b = highBound(sibs, hi);
    if (a !== undefined && b !== undefined) {
      const keys = tryKeys(a, b, hi - lo);
      if (keys !== undefined) return assignGap(sibs, lo, hi, i, keys);
    }
    if (a === undefined) lo--;
    else if (b === undefined || hi < sibs.length) hi++;
    else lo--;
  }
}

/** nKeysBetween, or undefined where Go's NKeysBetween returns an error. */
function tryKeys(a: string, b: string, n: number): string[] | undefined {
  try {
    return nKeysBetween(a, b, n);
  } catch (err) {
    if (err instanceof SceneError) return undefined;
    throw err;
  }
}

/**
 * The lower bound the sibling at lo gives a gap: its order, or "" at the
 * start; undefined when its order is not usable ("" is a fine lower bound,
 * an order that is not a key is not).
 */
function lowBound(sibs: readonly Sibling[], lo: number): string | undefined {
  if (lo < 0) return "";
  const o = sibs[lo]!.order;
  return o === "" || isOrderKey(o) ? o : undefined;
}

/** The upper bound the sibling at hi gives a gap: its order, or "" past the end. */
function highBound(sibs: readonly Sibling[], hi: number): string | undefined {
  if (hi >= sibs.length) return "";
  const o = sibs[hi]!.order;
  return isOrderKey(o) ? o : undefined;
}

/**
 * Hands keys out, in order, to sibs[lo+1:i], the new node and sibs[i:hi];
 * siblings whose key is unchanged are not rewritten.
 */
function assignGap(sibs: readonly Sibling[], lo: number, hi: number, i: number, keys: string[]): Placement {
  let order = "";
  const rekeys: OrderWrite[] = [];
  let k = 0;
  for (let j = lo + 1; j <= hi; j++) {
    if (j === i) order = keys[k++]!;
    if (j < hi) {
      const s = sibs[j]!;
      if (s.order !== keys[k]) rekeys.push({ id: s.id, order: keys[k]! });
      k++;
    }
  }
  return { order, rekeys };
}
