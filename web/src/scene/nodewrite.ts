// Writing nodes and values into a layer document by the writing rules of
// docs/scene-schema.md, as Go's AddNode / writeNode do: every container
// created with its node, strings as scalar strings (A.RawString, never
// Text), transform elements as f64. Values are validated before anything is
// written (prepareNode, writable), so a refused edit writes nothing.

import * as A from "@automerge/automerge";
import { MAX_VALUE_DEPTH } from "./decode";
import { SceneError } from "./errors";
import { asString, getOwn, isCounter, isList, isMap, setOwn, sortedKeys } from "./plain";
import { isWellFormed } from "./strings";
import { identityTransform, Kind, nodeId, type NodeId, type Transform } from "./types";

/** A value that can be written: what writable returns. */
export type WritableValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Date
  | WritableValue[]
  | { [key: string]: WritableValue };

/** A node to create (Go scene.Node without warnings); omitted fields take their defaults. */
export interface NodeInput {
  /** A canonical lowercase UUID; createNode draws one when omitted. */
  id?: string;
  name?: string;
  /** "" or omitted is written as "empty". */
  kind?: string;
  /** "" or omitted: a child of the layer root. */
  parent?: string;
  /** Written verbatim; excludes a Position other than {}. */
  order?: string;
  asset?: string;
  /** Omitted or all zeros is written as the identity. */
  transform?: Transform;
  components?: Record<string, Record<string, unknown>>;
}

/** A node validated for writing, every field present. */
export interface PreparedNode {
  id: NodeId;
  name: string;
  kind: string;
  parent: NodeId;
  order: string;
  asset: string;
  transform: Transform;
  components: Record<string, Record<string, WritableValue>>;
}

/** How deeply a written component value may nest (Go: maxValueDepth - 4). */
const MAX_WRITE_DEPTH = MAX_VALUE_DEPTH - 4;

/** Reports whether s is a UUID in canonical lowercase 8-4-4-4-12 hex form. */
export function isCanonicalUUID(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s);
}

/**
 * Validates n and returns it with defaults applied (Go prepareNode): the id
 * a canonical UUID, the parent "" or another canonical UUID, strings
 * without lone surrogates, finite transform numbers, writable component
 * values. Throws InvalidNode.
 */
export function prepareNode(n: NodeInput & { id: string }): PreparedNode {
  const bad = (why: string): SceneError => new SceneError("InvalidNode", `node ${JSON.stringify(n.id)}: ${why}`);
  const parent = n.parent ?? "";
  if (!isCanonicalUUID(n.id)) throw bad("id is not a canonical lowercase UUID");
  if (parent !== "" && (!isCanonicalUUID(parent) || parent === n.id)) {
    throw bad(`parent ${JSON.stringify(parent)} is not "" or another node's UUID`);
  }
  const fields = { name: n.name ?? "", kind: n.kind ?? "", order: n.order ?? "", asset: n.asset ?? "" };
  for (const s of Object.values(fields)) {
    if (typeof s !== "string" || !isWellFormed(s)) throw bad("a string field is not a well-formed string");
  }
  let components: PreparedNode["components"];
  try {
    components = writableComponents(n.components ?? {});
  } catch (err) {
    throw bad(err instanceof Error ? err.message : String(err));
  }
  return {
    ...fields,
    id: nodeId(n.id),
    parent: nodeId(parent),
    kind: fields.kind === "" ? Kind.Empty : fields.kind,
    transform: prepareTransform(n.transform, bad),
    components,
  };
}

/** Returns t checked (three lists of finite numbers), or the identity for none or all zeros. */
function prepareTransform(t: Transform | undefined, bad: (why: string) => SceneError): Transform {
  if (t === undefined) return identityTransform();
  const lists: Array<[unknown, number]> = [[t.t, 3], [t.r, 4], [t.s, 3]];
  for (const [l, n] of lists) {
    if (!Array.isArray(l) || l.length !== n || !l.every((f) => typeof f === "number" && Number.isFinite(f))) {
      throw bad("transform has a missing or non-finite number");
    }
  }
  const all = [...t.t, ...t.r, ...t.s];
  if (all.every((f) => f === 0)) return identityTransform();
  return { t: [...t.t], r: [...t.r], s: [...t.s] };
}

/** Validates every component of a node (Go writableComponents); throws Error with the reason. */
export function writableComponents(
  comps: Record<string, Record<string, unknown>>,
): Record<string, Record<string, WritableValue>> {
  const out: Record<string, Record<string, WritableValue>> = {};
  for (const name of Object.keys(comps)) {
    checkKey(`component name ${JSON.stringify(name)}`, name);
    const fields = getOwn(comps, name);
    if (!isMap(fields)) throw new Error(`components.${name}: not a map of fields`);
    const clean: Record<string, WritableValue> = {};
    for (const k of Object.keys(fields)) {
      checkKey(`components.${name}: field name ${JSON.stringify(k)}`, k);
      setOwn(clean, k, writableAt(`components.${name}.${k}`, getOwn(fields, k), 0));
    }
    setOwn(out, name, clean);
  }
  return out;
}

/**
 * Checks a map key: well-formed, and neither "" nor "__proto__", which
 * automerge JS refuses to write (Go checks UTF-8 only; automerge-go would
 * fail on "" later, when writing).
 */
function checkKey(what: string, k: string): void {
  if (k === "" || k === "__proto__" || !isWellFormed(k)) throw new Error(`${what} is empty, reserved or not well-formed`);
}

/**
 * Validates one component value and returns what is written (Go
 * writable): null, boolean, finite number, bigint within int64/uint64,
 * well-formed string (a scalar string object reads as its string),
 * Uint8Array, valid Date, and lists and maps of those, nested at most 60
 * levels. Throws Error with the reason.
 */
export function writable(v: unknown): WritableValue {
  return writableAt("value", v, 0);
}

const MIN_I64 = -(2n ** 63n);
const MAX_U64 = 2n ** 64n - 1n;

function writableAt(path: string, v: unknown, depth: number): WritableValue {
  if (depth >= MAX_WRITE_DEPTH) throw new Error(`${path}: value nested more than ${MAX_WRITE_DEPTH} levels`);
  if (v === null || typeof v === "boolean" || v instanceof Uint8Array) return v;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new Error(`${path}: invalid date`);
    return v;
  }
  const s = asString(v);
  if (s !== undefined) {
    if (!isWellFormed(s)) throw new Error(`${path}: string with a lone surrogate`);
    return s;
  }
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`${path}: non-finite number`);
    return v;
  }
  if (typeof v === "bigint") {
    if (v < MIN_I64 || v > MAX_U64) throw new Error(`${path}: integer out of the int64/uint64 range`);
    return v;
  }
  if (isList(v)) return v.map((e, i) => writableAt(`${path}[${i}]`, e, depth + 1));
  if (isMap(v) && !isCounter(v)) {
    const out: { [key: string]: WritableValue } = {};
    for (const k of Object.keys(v)) {
      checkKey(`${path}: key ${JSON.stringify(k)}`, k);
      setOwn(out, k, writableAt(`${path}.${k}`, getOwn(v, k), depth + 1));
    }
    return out;
  }
  throw new Error(`${path}: unsupported value type ${isCounter(v) ? "counter" : typeof v}`);
}

/** A map inside a change callback (an automerge proxy). */
export type MutableMap = { [key: string]: unknown };

/** A list inside a change callback (an automerge proxy). */
export type MutableList = unknown[];

/**
 * Writes a validated value under key of a map or index of a list (an
 * existing index replaces the element, the next index appends), creating
 * containers element by element so every scalar gets its exact type:
 * strings as scalar strings, integers in the safe range as ints, other
 * numbers as f64.
 */
export function putValue(target: MutableMap | MutableList, key: string | number, v: WritableValue): void {
  const t = target as Record<string | number, unknown>;
  if (Array.isArray(v)) {
    t[key] = [];
    const list = t[key] as MutableList;
    v.forEach((e, i) => putValue(list, i, e));
  } else if (isMap(v)) {
    t[key] = {};
    const m = t[key] as MutableMap;
    for (const k of sortedKeys(v)) putValue(m, k, v[k]!);
  } else {
    t[key] = scalar(v);
  }
}

/** Converts a validated scalar to the automerge value that writes it with its type. */
function scalar(v: WritableValue): unknown {
  if (typeof v === "string") return new A.RawString(v);
  if (typeof v === "number" && !Number.isSafeInteger(v)) return new A.Float64(v);
  return v;
}

/** Writes a prepared node and all its containers under nodes[id] (Go writeNode). */
export function writeNode(nodes: MutableMap, n: PreparedNode): void {
  nodes[n.id] = {};
  const nm = nodes[n.id] as MutableMap;
  for (const k of ["name", "kind", "parent", "order", "asset"] as const) nm[k] = new A.RawString(n[k]);
  nm.transform = {};
  const tm = nm.transform as MutableMap;
  for (const k of ["t", "r", "s"] as const) {
    tm[k] = [];
    const list = tm[k] as MutableList;
    n.transform[k].forEach((f, i) => (list[i] = new A.Float64(f)));
  }
  nm.components = {};
  const cm = nm.components as MutableMap;
  for (const name of sortedKeys(n.components)) {
    cm[name] = {};
    const c = cm[name] as MutableMap;
    const fields = n.components[name]!;
    for (const k of sortedKeys(fields)) putValue(c, k, fields[k]!);
  }
}
