// Test helpers shared by the operation tests: a layer document as the
// server creates it, ids that sort like their numbers, and readers of the
// written automerge types.

import * as A from "@automerge/automerge";
import { expect } from "vitest";
import { commitEdit, commitEdits, type SceneEdit } from "./edit";
import { readLayer } from "./decode";
import { parseOpMessage, type OpMessage } from "./opmessage";
import { resolve } from "./tree";
import { LAYER_CREATE_MESSAGE, LAYER_SCHEMA, nodeId, type NodeId, type Tree } from "./types";

/** A layer document's root as the tests type it. */
export type Layer = { schema: unknown; nodes: Record<string, unknown> };

/** Fixed change time (seconds) so saved documents are reproducible. */
export const TIME = 1_700_000_000;

/** Returns a new layer document (as Go's NewLayerDoc), for actor. */
export function newLayer(actor = "aa".repeat(16)): A.Doc<Layer> {
  return A.change(A.init<Layer>({ actor }), { message: LAYER_CREATE_MESSAGE, time: TIME }, (d) => {
    d.schema = new A.RawString(LAYER_SCHEMA);
    d.nodes = {};
  });
}

/** The canonical UUID numbered i, so ids sort like their numbers (Go nid). */
export function nid(i: number): NodeId {
  return nodeId(`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
}

/** Returns a newId option drawing nid(start), nid(start+1), …. */
export function ids(start: number): () => string {
  let i = start;
  return () => nid(i++);
}

/** Commits edit and returns the new document and the parsed message of its one change. */
export function apply(doc: A.Doc<Layer>, edit: SceneEdit | SceneEdit[]): { doc: A.Doc<Layer>; msgs: OpMessage[] } {
  const edits = Array.isArray(edit) ? edit : [edit];
  const before = A.getHeads(doc);
  const next = commitEdits(doc, edits, { time: TIME });
  const changes = A.getChangesMetaSince(next, before);
  expect(changes.length).toBe(edits.length);
  const msgs = changes.map((c) => {
    const m = parseOpMessage(c.message ?? "");
    expect(m, c.message ?? "").toBeDefined();
    return m!;
  });
  return { doc: next, msgs };
}

/** Commits one edit and returns the new document. */
export function commit(doc: A.Doc<Layer>, edit: SceneEdit): A.Doc<Layer> {
  return commitEdit(doc, edit, { time: TIME });
}

/** Reads and resolves a layer, failing on any warning. */
export function treeOf(doc: unknown): Tree {
  const st = readLayer(doc);
  for (const n of Object.values(st.nodes)) expect(n.warnings, n.id).toBeUndefined();
  expect(st.warnings).toBeUndefined();
  return resolve(st);
}

/** The resolved children of parent ("" = roots). */
export function kids(tree: Tree, parent: NodeId | "" = ""): NodeId[] {
  return parent === "" ? tree.roots : tree.nodes[parent]!.children;
}

/** The automerge type of the value at path (e.g. ["nodes", id, "transform", "t", 0]). */
export function typeAt(doc: A.Doc<unknown>, path: Array<string | number>): string | undefined {
  const backend = A.getBackend(doc);
  let obj = "_root";
  for (let i = 0; i < path.length; i++) {
    const got = backend.getWithType(obj, path[i]!);
    if (got === null || got === undefined) return undefined;
    if (i === path.length - 1) return got[0];
    obj = got[1] as string;
  }
  return undefined;
}

/** Asserts that f throws a SceneError with code and returns nothing else. */
export function expectRefused(f: () => unknown, code: string): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught, `want SceneError ${code}`).toMatchObject({ name: "SceneError", code });
}
