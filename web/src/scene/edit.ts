// A planned scene edit and how it is committed. Every operation (ops.ts,
// propops.ts) first validates against the document as it is and throws a
// SceneError having written nothing; on success it returns a SceneEdit: the
// commit message, exactly as Go writes it for the same operation, and the
// writes to make inside a change callback:
//
//	const edit = reparent(doc, id, parent);
//	doc = A.change(doc, { message: edit.message }, edit.apply);  // or commitEdit(doc, edit)
//	handle.change(edit.apply, { message: edit.message });        // or commitEditToHandle(handle, edit)
//
// Plan and apply in the same turn of the event loop, so the document the
// edit was planned on is the one it is applied to. apply re-checks that
// the nodes it writes still exist and throws StaleEdit otherwise, which
// makes automerge roll the change back.

import * as A from "@automerge/automerge";
import { SceneError } from "./errors";
import { getOwn, hasOwn, isMap } from "./plain";
import { formatOpMessage, type OpMessage } from "./opmessage";
import type { MutableMap } from "./nodewrite";
import { isWellFormed } from "./strings";
import type { NodeId } from "./types";

/** Options every operation takes (Go scene.OpOptions). */
export interface OpOptions {
  /** Who asked for the operation (a user or peer id), recorded as "author". */
  author?: string;
  /** Makes the ids of new nodes (duplicate, group, create without an id); default crypto.randomUUID. */
  newId?: () => string;
}

/** A validated operation, ready to apply inside a change callback. */
export interface SceneEdit {
  /** The operation message. */
  readonly op: OpMessage;
  /** The commit message: formatOpMessage(op), byte for byte what Go writes. */
  readonly message: string;
  /** Makes the operation's writes on the document root inside a change callback. */
  readonly apply: (doc: unknown) => void;
}

/** Checks the options every operation takes (Go begin, minus the commit of stray operations). */
export function checkOptions(opt: OpOptions): void {
  if (opt.author !== undefined && !isWellFormed(opt.author)) {
    throw new SceneError("InvalidValue", "author has a lone surrogate");
  }
}

/** Builds a SceneEdit from its message (author added from opt) and writes. */
export function makeEdit(op: OpMessage, opt: OpOptions, apply: (nodes: MutableMap) => void): SceneEdit {
  const m: OpMessage = opt.author ? { ...op, author: opt.author } : op;
  return {
    op: m,
    message: formatOpMessage(m),
    apply: (doc: unknown) => apply(liveNodes(doc)),
  };
}

/** Returns the `nodes` map of a document root inside a change callback. */
function liveNodes(doc: unknown): MutableMap {
  const nodes = isMap(doc) ? getOwn(doc, "nodes") : undefined;
  if (!isMap(nodes)) throw new SceneError("StaleEdit", "the document has no nodes map");
  return nodes as MutableMap;
}

/** Returns node id's map inside a change callback, or throws StaleEdit. */
export function liveNode(nodes: MutableMap, id: string): MutableMap {
  const v = hasOwn(nodes, id) ? nodes[id] : undefined;
  if (!isMap(v)) throw new SceneError("StaleEdit", `node ${id} changed since the edit was planned`);
  return v as MutableMap;
}

/** Returns the map under key of a live map, or throws StaleEdit. */
export function liveMap(m: MutableMap, key: string): MutableMap {
  const v = hasOwn(m, key) ? m[key] : undefined;
  if (!isMap(v)) throw new SceneError("StaleEdit", `${key} changed since the edit was planned`);
  return v as MutableMap;
}

/** Returns a fresh node id from opt.newId or crypto.randomUUID. */
export function newNodeId(opt: OpOptions): NodeId {
  return (opt.newId ? opt.newId() : globalThis.crypto.randomUUID()) as NodeId;
}

/** Change options beyond the message: the change's time in seconds (JS convention). */
export interface CommitOptions {
  time?: number;
}

/**
 * Applies edit to doc as exactly one change with its message, and returns
 * the new document. An edit whose writes change nothing (renaming to the
 * same name) still makes one, empty, change, as the Go operations do.
 */
export function commitEdit<T>(doc: A.Doc<T>, edit: SceneEdit, opts: CommitOptions = {}): A.Doc<T> {
  const options = opts.time !== undefined ? { message: edit.message, time: opts.time } : { message: edit.message };
  const next = A.change(doc, { ...options }, edit.apply);
  return next === doc ? A.emptyChange(doc, { ...options }) : next;
}

/** Applies edits in order, one change each (commitEdit). */
export function commitEdits<T>(doc: A.Doc<T>, edits: readonly SceneEdit[], opts: CommitOptions = {}): A.Doc<T> {
  return edits.reduce((d, e) => commitEdit(d, e, opts), doc);
}

/** What commitEditToHandle needs of an automerge-repo DocHandle. */
export interface EditableHandle<T> {
  heads(): readonly string[] | undefined;
  change(callback: A.ChangeFn<T>, options?: A.ChangeOptions<T>): void;
  update(callback: (doc: A.Doc<T>) => A.Doc<T>): void;
}

/**
 * Applies edit through an automerge-repo DocHandle (handle.change with the
 * edit's message), so the repo stores and syncs it; an edit that changes
 * nothing becomes an empty change with the message, as in commitEdit.
 */
export function commitEditToHandle<T>(handle: EditableHandle<T>, edit: SceneEdit, opts: CommitOptions = {}): void {
  const options = opts.time !== undefined ? { message: edit.message, time: opts.time } : { message: edit.message };
  const before = JSON.stringify(handle.heads());
  handle.change(edit.apply, { ...options });
  if (JSON.stringify(handle.heads()) === before) handle.update((d) => A.emptyChange(d, { ...options }));
}
