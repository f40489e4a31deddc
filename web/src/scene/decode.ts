// Lenient reading of a layer document's plain value, mirroring Go's
// scene/decode.go and scene/state.go: every string field accepts a JS
// string (automerge Text), a scalar string (ImmutableString) or legacy
// Text; every number a number, bigint or counter; a missing or mistyped
// field gets its default and a warning on its node. Only a document that
// is not a layer at all is an error.

import { SceneError } from "./errors";
import {
  asFiniteNumber,
  asString,
  getOwn,
  hasOwn,
  isCounter,
  isList,
  isMap,
  setOwn,
  sortedKeys,
  typeName,
  type PlainMap,
} from "./plain";
import {
  defaultNode,
  Kind,
  LAYER_SCHEMA,
  nodeId,
  type ComponentFields,
  type LayerState,
  type NodeId,
  type PlainValue,
  type SceneNode,
  type Transform,
} from "./types";

/**
 * How deeply a layer's values may nest, counting the `nodes` map as 0 and a
 * node map as 1 (Go maxValueDepth); a container at this depth or deeper
 * reads as null with a warning.
 */
export const MAX_VALUE_DEPTH = 64;

/** How many warnings one node keeps; the rest are counted in a final "N more warnings". */
export const MAX_WARNINGS = 32;

/** Depth of a component field's value (nodes 0, node 1, components 2, component 3). */
const FIELD_DEPTH = 4;

/** Quotes s for a warning as Go's %q does for printable text. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** Formats numbers for a warning as Go's %v does for a []float64. */
function vec(v: readonly number[]): string {
  return `[${v.join(" ")}]`;
}

/** Collects one node's warnings, at most MAX_WARNINGS plus a count of the rest. */
class NodeReader {
  private readonly warnings: string[] = [];
  private dropped = 0;

  warn(msg: string): void {
    if (this.warnings.length >= MAX_WARNINGS) {
      this.dropped++;
      return;
    }
    this.warnings.push(msg);
  }

  /** Returns the collected warnings, undefined if there were none. */
  done(): string[] | undefined {
    if (this.dropped > 0) this.warnings.push(`${this.dropped} more warnings`);
    return this.warnings.length > 0 ? this.warnings : undefined;
  }

  /** Reads a string field, or def with a warning. */
  str(m: PlainMap, key: string, def: string): string {
    if (!hasOwn(m, key)) {
      this.warn(`${key}: missing; using ${quote(def)}`);
      return def;
    }
    const v = getOwn(m, key);
    const s = asString(v);
    if (s === undefined) {
      this.warn(`${key}: got ${typeName(v)}, want string; using ${quote(def)}`);
      return def;
    }
    return s;
  }

  /** Reads a field that must hold a map. */
  submap(m: PlainMap, key: string): PlainMap | undefined {
    if (!hasOwn(m, key)) {
      this.warn(`${key}: missing; using defaults`);
      return undefined;
    }
    const v = getOwn(m, key);
    if (!isMap(v)) {
      this.warn(`${key}: got ${typeName(v)}, want map; using defaults`);
      return undefined;
    }
    return v;
  }

  transform(m: PlainMap): Transform {
    const t: Transform = { t: [0, 0, 0], r: [0, 0, 0, 1], s: [1, 1, 1] };
    const tm = this.submap(m, "transform");
    if (tm === undefined) return t;
    this.floats(tm, "t", t.t);
    this.floats(tm, "r", t.r);
    this.floats(tm, "s", t.s);
    return t;
  }

  /** Reads transform.<key> into dst, which holds the defaults, element by element. */
  floats(tm: PlainMap, key: string, dst: number[]): void {
    if (!hasOwn(tm, key)) {
      this.warn(`transform.${key}: missing; using ${vec(dst)}`);
      return;
    }
    const v = getOwn(tm, key);
    if (!isList(v)) {
      this.warn(`transform.${key}: got ${typeName(v)}, want list; using ${vec(dst)}`);
      return;
    }
    if (v.length !== dst.length) {
      this.warn(`transform.${key}: ${v.length} elements, want ${dst.length}`);
    }
    for (let i = 0; i < Math.min(v.length, dst.length); i++) {
      const f = asFiniteNumber(v[i]);
      if (f !== undefined) dst[i] = f;
      else this.warn(`transform.${key}[${i}]: got ${typeName(v[i])}, want finite number; using ${dst[i]}`);
    }
  }

  /** Reads the components map; a component that is not a map is dropped. */
  components(m: PlainMap): Record<string, ComponentFields> {
    const out: Record<string, ComponentFields> = {};
    const cm = this.submap(m, "components");
    if (cm === undefined) return out;
    for (const name of sortedKeys(cm)) {
      const fields = getOwn(cm, name);
      if (!isMap(fields)) {
        this.warn(`components.${name}: got ${typeName(fields)}, want map; dropped`);
        continue;
      }
      const clean: ComponentFields = {};
      for (const k of sortedKeys(fields)) {
        setOwn(clean, k, this.value(`components.${name}.${k}`, getOwn(fields, k), FIELD_DEPTH));
      }
      setOwn(out, name, clean);
    }
    return out;
  }

  /**
   * Returns v as a plain value: Text and scalar strings become strings,
   * counters and bigints numbers; non-finite numbers, containers nested at
   * MAX_VALUE_DEPTH or deeper and unknown types become null with a warning.
   */
  value(path: string, v: unknown, depth: number): PlainValue {
    if (v === null || typeof v === "boolean" || v instanceof Uint8Array || v instanceof Date) return v;
    const s = asString(v);
    if (s !== undefined) return s;
    if (typeof v === "number" || typeof v === "bigint" || isCounter(v)) {
      const n = asFiniteNumber(v);
      if (n === undefined) this.warn(`${path}: non-finite number; using null`);
      return n ?? null;
    }
    if ((isMap(v) || isList(v)) && depth >= MAX_VALUE_DEPTH) {
      this.warn(`${path}: unsupported value nested too deeply; using null`);
      return null;
    }
    if (isMap(v)) {
      const out: { [key: string]: PlainValue } = {};
      for (const k of sortedKeys(v)) setOwn(out, k, this.value(`${path}.${k}`, getOwn(v, k), depth + 1));
      return out;
    }
    if (isList(v)) return v.map((e, i) => this.value(`${path}[${i}]`, e, depth + 1));
    this.warn(`${path}: unsupported ${typeName(v)}; using null`);
    return null;
  }
}

/**
 * Turns the plain value stored under nodes[id] into a node, replacing every
 * missing or mistyped field by its default (Go decodeNode). A value that is
 * not even a map is still a node, with defaults and a warning.
 */
export function decodeNode(id: NodeId, v: unknown): SceneNode {
  const n = defaultNode(id);
  const r = new NodeReader();
  if (id === "") r.warn("id: empty");
  if (!isMap(v)) {
    r.warn(`node: got ${typeName(v)}, want map; using defaults`);
    return withWarnings(n, r.done());
  }
  n.name = r.str(v, "name", "");
  n.kind = r.str(v, "kind", Kind.Empty);
  if (n.kind === "") {
    r.warn(`kind: empty; using ${quote(Kind.Empty)}`);
    n.kind = Kind.Empty;
  }
  n.parent = nodeId(r.str(v, "parent", ""));
  n.order = r.str(v, "order", "");
  n.asset = r.str(v, "asset", "");
  n.transform = r.transform(v);
  n.components = r.components(v);
  return withWarnings(n, r.done());
}

function withWarnings<T extends { warnings?: string[] }>(x: T, warnings: string[] | undefined): T {
  if (warnings !== undefined) x.warnings = warnings;
  return x;
}

/** How one document type is recognized by its root (Go schemaRule). */
export interface SchemaRule {
  /** The exact schema this library reads. */
  want: string;
  /** The prefix shared by every version of this document type. */
  family: string;
  /** The root map a document of this type always has. */
  container: string;
}

/** The recognition rule of a layer document. */
export const LAYER_RULE: SchemaRule = { want: LAYER_SCHEMA, family: "atelier.layer/", container: "nodes" };

/**
 * Applies the document recognition rule of docs/scene-schema.md (Go
 * checkSchema) and returns the schema as found ("" if missing or mistyped)
 * and any layer warnings. Throws NotLayer or UnsupportedSchema.
 */
export function checkSchema(root: PlainMap, rule: SchemaRule): { schema: string; warnings: string[] } {
  const present = hasOwn(root, "schema");
  const v = getOwn(root, "schema");
  const s = asString(v);
  if (s !== undefined && s !== "") {
    if (s === rule.want) return { schema: s, warnings: [] };
    if (s.startsWith(rule.family)) {
      throw new SceneError("UnsupportedSchema", `${quote(s)} (this reader supports ${quote(rule.want)})`);
    }
    throw new SceneError("NotLayer", `schema ${quote(s)}`);
  }
  if (!isMap(getOwn(root, rule.container))) {
    throw new SceneError("NotLayer", `no schema and no ${quote(rule.container)} map`);
  }
  if (s === "") return { schema: "", warnings: ["schema: empty"] };
  if (!present) return { schema: "", warnings: ["schema: missing"] };
  return { schema: "", warnings: [`schema: got ${typeName(v)}, want string`] };
}

/**
 * Materializes a layer from its document root as automerge JS gives it
 * (`doc` itself, outside or inside a change callback) or as JSON.parse
 * gives it (Go ReadLayer / LayerState.UnmarshalJSON). It reads `schema`
 * and `nodes` only, and throws (SceneError NotLayer or UnsupportedSchema)
 * only when the root is not a layer at all.
 */
export function readLayer(root: unknown): LayerState {
  if (!isMap(root)) throw new SceneError("NotLayer", `root is ${typeName(root)}, want map`);
  const { schema, warnings } = checkSchema(root, LAYER_RULE);
  const raw = getOwn(root, "nodes");
  if (!isMap(raw)) {
    warnings.push(hasOwn(root, "nodes") ? `nodes: got ${typeName(raw)}, want map; layer is empty` : "nodes: missing; layer is empty");
  }
  const st: LayerState = { schema, nodes: {} };
  if (warnings.length > 0) st.warnings = warnings;
  if (isMap(raw)) {
    for (const k of Object.keys(raw)) setOwn(st.nodes, k, decodeNode(nodeId(k), getOwn(raw, k)));
  }
  return st;
}

/** Decodes a layer state from JSON text with readLayer's leniency (Go LayerState.UnmarshalJSON). */
export function decodeLayerJSON(text: string): LayerState {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new SceneError("NotLayer", `decode layer state: ${String(err)}`);
  }
  return readLayer(root);
}
