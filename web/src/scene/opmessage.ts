// The structured commit message of a scene operation (Go scene/opmessage.go):
// "atelier/op:1 " followed by a one-line JSON object. JS edits write the
// same bytes Go writes for the same operation, so history reads the same
// whoever wrote it. docs/scene-schema.md, "Commit message format", is the
// grammar.

import { toWellFormed, isWellFormed } from "./strings";
import type { NodeId } from "./types";

/** Starts the commit message of every change a scene operation makes. */
export const OP_MESSAGE_PREFIX = "atelier/op:";

/** The version of the message format this library writes and reads. */
export const OP_MESSAGE_VERSION = 1;

/** Operation names, the "op" field of an OpMessage (Go Op* constants). */
export const Op = {
  Create: "create",
  Delete: "delete",
  Reparent: "reparent",
  Reorder: "reorder",
  SetProperty: "setProperty",
  SetTransform: "setTransform",
  AddComponent: "addComponent",
  RemoveComponent: "removeComponent",
  SetComponentProperty: "setComponentProperty",
  Duplicate: "duplicate",
  MoveIn: "moveIn",
  MoveOut: "moveOut",
} as const;

/**
 * The description of one scene operation (Go scene.OpMessage). `props` are
 * RFC 6901 JSON Pointers relative to the node map ("" = the whole node);
 * `parent` is present (possibly "", the layer root) exactly for operations
 * that place a node. Optional fields are omitted when absent or empty, as
 * Go's omitempty does.
 */
export interface OpMessage {
  version?: number;
  op: string;
  nodes: NodeId[];
  props: string[];
  parent?: NodeId;
  rekeyed?: NodeId[];
  sources?: NodeId[];
  link?: string;
  linkChange?: string;
  fromLayer?: string;
  toLayer?: string;
  author?: string;
}

/** The JSON body's string-list fields, in the order Go marshals them. */
const LIST_FIELDS = ["rekeyed", "sources"] as const;
/** The JSON body's optional string fields after the lists, in Go's order. */
const STRING_FIELDS = ["link", "linkChange", "fromLayer", "toLayer", "author"] as const;

/**
 * Returns the commit message for m, byte for byte as Go's OpMessage.String:
 * the prefix, the version (m's, or 1), one space and compact JSON with the
 * fields in Go's order, without HTML escaping, U+2028 and U+2029 escaped
 * and lone surrogates replaced by U+FFFD (as Go's encoder does).
 */
export function formatOpMessage(m: OpMessage): string {
  const body: Record<string, unknown> = { op: m.op, nodes: m.nodes ?? [], props: m.props ?? [] };
  if (m.parent !== undefined) body.parent = m.parent;
  for (const k of LIST_FIELDS) {
    const v = m[k];
    if (v !== undefined && v.length > 0) body[k] = v;
  }
  for (const k of STRING_FIELDS) {
    const v = m[k];
    if (v !== undefined && v !== "") body[k] = v;
  }
  const json = JSON.stringify(body, (_k, v: unknown) => (typeof v === "string" ? toWellFormed(v) : v));
  const version = m.version !== undefined && m.version !== 0 ? m.version : OP_MESSAGE_VERSION;
  return `${OP_MESSAGE_PREFIX}${version} ${json.replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029")}`;
}

/**
 * Reads a commit message written by a scene operation, as Go's
 * ParseOpMessage does: it returns undefined for any other message (no
 * prefix, another version, a line break, a lone surrogate, text after the
 * JSON object, a body that is not an object with a non-empty string "op",
 * or a known field of the wrong type). Unknown fields are ignored; field
 * names match case-insensitively when no exact match exists, as in Go.
 */
export function parseOpMessage(msg: string): OpMessage | undefined {
  if (!msg.startsWith(OP_MESSAGE_PREFIX) || /[\r\n]/.test(msg) || !isWellFormed(msg)) return undefined;
  const rest = msg.slice(OP_MESSAGE_PREFIX.length);
  const space = rest.indexOf(" ");
  if (space < 0 || rest.slice(0, space) !== String(OP_MESSAGE_VERSION)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(rest.slice(space + 1));
  } catch {
    return undefined;
  }
  if (raw === null) return undefined; // Go: null leaves the message empty, so no "op"
  if (typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const m: OpMessage = { version: OP_MESSAGE_VERSION, op: "", nodes: [], props: [] };
  for (const [key, value] of Object.entries(raw)) {
    const field = fieldFor(key);
    if (field !== undefined && !assignField(m, field, value)) return undefined;
  }
  return m.op === "" ? undefined : m;
}

/** The known fields of the JSON body. */
const FIELDS = ["op", "nodes", "props", "parent", ...LIST_FIELDS, ...STRING_FIELDS] as const;
type Field = (typeof FIELDS)[number];

/** Matches a JSON key to a field as Go does: exactly, else ignoring case. */
function fieldFor(key: string): Field | undefined {
  const exact = FIELDS.find((f) => f === key);
  if (exact !== undefined) return exact;
  const folded = key.toLowerCase();
  return FIELDS.find((f) => f.toLowerCase() === folded);
}

/**
 * Sets field f of m from a JSON value with Go's decoding rules: null leaves
 * the field as it is (a null "parent" is absent; a null list reads as
 * empty), a null list element reads as "", and any other type mismatch
 * makes the message invalid (false).
 */
function assignField(m: OpMessage, f: Field, v: unknown): boolean {
  if (v === null) {
    if (f === "parent") delete m.parent;
    if (f === "nodes" || f === "props") m[f] = [];
    if (f === "rekeyed" || f === "sources") delete m[f];
    return true;
  }
  if (f === "nodes" || f === "props" || f === "rekeyed" || f === "sources") {
    if (!Array.isArray(v) || !v.every((e) => e === null || typeof e === "string")) return false;
    const list = v.map((e: string | null) => toWellFormed(e ?? ""));
    if (f === "props") m.props = list;
    else m[f] = list as NodeId[];
    return true;
  }
  if (typeof v !== "string") return false;
  if (f === "parent") m.parent = toWellFormed(v) as NodeId;
  else m[f] = toWellFormed(v);
  return true;
}
