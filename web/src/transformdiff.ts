// Which elements of a transform a gizmo drag changed. The gizmo writes
// each changed element as its own setTransformElement operation, so a
// concurrent edit of another element (another axis, by someone else)
// survives the merge.

import type { Transform, Vector } from "./scene";

/** One element of one transform vector and its new value. */
export interface ElementChange {
  vector: Vector;
  index: number;
  value: number;
}

const VECTORS: readonly Vector[] = ["t", "r", "s"];

/** Values closer than this are the same (float noise of the gizmo's math). */
export const EPSILON = 1e-9;

/** The elements of next that differ from prev, t before r before s, in index order. */
export function changedElements(prev: Transform, next: Transform, eps = EPSILON): ElementChange[] {
  const out: ElementChange[] = [];
  for (const vector of VECTORS) {
    const a = prev[vector] as readonly number[];
    const b = next[vector] as readonly number[];
    for (let index = 0; index < b.length; index++) {
      const value = b[index]!;
      if (!Number.isFinite(value)) continue;
      if (!(Math.abs(value - (a[index] ?? NaN)) <= eps)) out.push({ vector, index, value });
    }
  }
  return out;
}

/** prev with changes applied (a new transform). */
export function withChanges(prev: Transform, changes: readonly ElementChange[]): Transform {
  const t: Transform = { t: [...prev.t], r: [...prev.r], s: [...prev.s] } as Transform;
  for (const c of changes) (t[c.vector] as number[])[c.index] = c.value;
  return t;
}
