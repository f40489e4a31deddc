// Property operations on one node (Go scene/propops.go): set name, kind or
// asset; set one transform element in place; add, remove and edit
// components. They read only the node they edit. Like the structural
// operations they throw a SceneError having written nothing, or return the
// SceneEdit with the Go commit message.

import * as A from "@automerge/automerge";
import { checkOptions, liveMap, liveNode, makeEdit, type OpOptions, type SceneEdit } from "./edit";
import { SceneError } from "./errors";
import { Op } from "./opmessage";
import { getOwn, hasOwn, isList, isMap, typeName, type PlainMap } from "./plain";
import { pointer } from "./pointer";
import { putValue, writable, writableComponents, type MutableList, type MutableMap } from "./nodewrite";
import { layerNodes, nodeMap, subMap } from "./snapshot";
import { isWellFormed } from "./strings";
import { Kind, type NodeId } from "./types";

/** The string properties setProperty sets (Go PropName, PropKind, PropAsset). */
export type Property = "name" | "kind" | "asset";

/** The transform vectors and their lengths. */
export const TRANSFORM_LENGTH = { t: 3, r: 4, s: 3 } as const;

/** A transform vector: "t" translation, "r" rotation quaternion, "s" scale. */
export type Vector = keyof typeof TRANSFORM_LENGTH;

/**
 * Sets name, kind or asset of node id as a scalar string, replacing
 * whatever was there (a Text included), in one change (Go SetProperty, op
 * "setProperty", props ["/<prop>"]). An empty kind is written as "empty".
 * Errors: InvalidProperty (anything else, parent and order included),
 * InvalidValue, NodeNotFound, MalformedNode, NotLayer.
 */
export function setProperty(doc: unknown, id: NodeId, prop: Property, value: string, opt: OpOptions = {}): SceneEdit {
  if (prop !== "name" && prop !== "kind" && prop !== "asset") {
    throw new SceneError(
      "InvalidProperty",
      `${JSON.stringify(prop)} (set name, kind or asset; parent and order change with reparent and reorder)`,
    );
  }
  const v = prop === "kind" && value === "" ? Kind.Empty : value;
  if (typeof v !== "string" || !isWellFormed(v)) throw new SceneError("InvalidValue", `${prop} is not a well-formed string`);
  checkOptions(opt);
  nodeMap(layerNodes(doc), id);
  return makeEdit({ op: Op.SetProperty, nodes: [id], props: [pointer(prop)] }, opt, (live) => {
    liveNode(live, id)[prop] = new A.RawString(v);
  });
}

/**
 * Sets one element of one transform vector of node id to value, written
 * as an f64 in place in the existing list, in one change (Go
 * SetTransformElement, op "setTransform", props ["/transform/<v>/<i>"]).
 * Only that element is written, so concurrent edits of other elements all
 * survive. Errors: InvalidProperty (vector or index), InvalidValue
 * (non-finite), NodeNotFound, MalformedNode (no transform map, or the list
 * is missing or too short), NotLayer.
 */
export function setTransformElement(
  doc: unknown,
  id: NodeId,
  vector: Vector,
  index: number,
  value: number,
  opt: OpOptions = {},
): SceneEdit {
  const n = hasOwn(TRANSFORM_LENGTH, vector) ? TRANSFORM_LENGTH[vector] : 0;
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new SceneError("InvalidProperty", `transform ${JSON.stringify(vector)}[${index}]`);
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new SceneError("InvalidValue", `transform.${vector}[${index}] = ${value} is not finite`);
  }
  checkOptions(opt);
  transformList(layerNodes(doc), id, vector, index);
  const props = [pointer("transform", vector, String(index))];
  return makeEdit({ op: Op.SetTransform, nodes: [id], props }, opt, (live) => {
    const list = liveMap(liveNode(live, id), "transform")[vector];
    if (!isList(list) || list.length <= index) throw new SceneError("StaleEdit", `transform.${vector} of ${id} changed`);
    (list as MutableList)[index] = new A.Float64(value);
  });
}

/** Checks node id has a transform list for vector with an element at index (Go transformList). */
function transformList(nodes: PlainMap, id: NodeId, vector: Vector, index: number): void {
  const tm = subMap(nodeMap(nodes, id), id, "transform");
  const v = getOwn(tm, vector);
  if (!isList(v) || v.length <= index) {
    throw new SceneError("MalformedNode", `node ${id}: transform.${vector} is ${typeName(v)} without element ${index}`);
  }
}

/**
 * Creates component `component` on node id with the given fields, in one
 * change (Go AddComponent, op "addComponent", props ["/components/<name>"]).
 * Two peers adding the same component concurrently create two maps and one
 * is lost; once it exists, field edits merge. Errors: InvalidProperty
 * (empty or malformed name or key), InvalidValue, ComponentExists,
 * NodeNotFound, MalformedNode, NotLayer.
 */
export function addComponent(
  doc: unknown,
  id: NodeId,
  component: string,
  fields: Record<string, unknown> = {},
  opt: OpOptions = {},
): SceneEdit {
  checkName("component", component);
  for (const k of Object.keys(fields)) checkName("field", k);
  let clean: Record<string, unknown>;
  try {
    clean = writableComponents({ [component]: fields })[component]!;
  } catch (err) {
    throw new SceneError("InvalidValue", err instanceof Error ? err.message : String(err));
  }
  checkOptions(opt);
  if (lookupComponent(layerNodes(doc), id, component) !== undefined) {
    throw new SceneError("ComponentExists", `${component} on ${id}`);
  }
  return makeEdit({ op: Op.AddComponent, nodes: [id], props: [pointer("components", component)] }, opt, (live) => {
    const cm = liveMap(liveNode(live, id), "components");
    if (hasOwn(cm, component)) throw new SceneError("StaleEdit", `component ${component} of ${id} exists`);
    putValue(cm, component, clean as Parameters<typeof putValue>[2]);
  });
}

/**
 * Deletes component `component` from node id, in one change (Go
 * RemoveComponent, op "removeComponent"). Errors: ComponentNotFound,
 * NodeNotFound, MalformedNode, NotLayer.
 */
export function removeComponent(doc: unknown, id: NodeId, component: string, opt: OpOptions = {}): SceneEdit {
  checkOptions(opt);
  if (lookupComponent(layerNodes(doc), id, component) === undefined) {
    throw new SceneError("ComponentNotFound", `${component} on ${id}`);
  }
  return makeEdit({ op: Op.RemoveComponent, nodes: [id], props: [pointer("components", component)] }, opt, (live) => {
    const cm = liveMap(liveNode(live, id), "components");
    if (!hasOwn(cm, component)) throw new SceneError("StaleEdit", `component ${component} of ${id} is gone`);
    delete cm[component];
  });
}

/**
 * Sets field key of component `component` of node id, in one change (Go
 * SetComponentProperty, op "setComponentProperty", props
 * ["/components/<name>/<key>"]). Concurrent sets of different fields all
 * survive. Errors: InvalidProperty (empty or malformed key), InvalidValue,
 * ComponentNotFound, NodeNotFound, MalformedNode, NotLayer.
 */
export function setComponentProperty(
  doc: unknown,
  id: NodeId,
  component: string,
  key: string,
  value: unknown,
  opt: OpOptions = {},
): SceneEdit {
  checkName("field", key);
  let w: ReturnType<typeof writable>;
  try {
    w = writable(value);
  } catch (err) {
    throw new SceneError("InvalidValue", `components.${component}.${key}: ${err instanceof Error ? err.message : String(err)}`);
  }
  checkOptions(opt);
  if (lookupComponent(layerNodes(doc), id, component) === undefined) {
    throw new SceneError("ComponentNotFound", `${component} on ${id}`);
  }
  const props = [pointer("components", component, key)];
  return makeEdit({ op: Op.SetComponentProperty, nodes: [id], props }, opt, (live) => {
    putValue(liveMap(liveMap(liveNode(live, id), "components"), component) as MutableMap, key, w);
  });
}

/**
 * Returns node id's component map named name, undefined if absent; a
 * component that is not a map is MalformedNode (Go lookupComponent).
 */
function lookupComponent(nodes: PlainMap, id: NodeId, name: string): PlainMap | undefined {
  const cm = subMap(nodeMap(nodes, id), id, "components");
  if (!hasOwn(cm, name)) return undefined;
  const v = getOwn(cm, name);
  if (!isMap(v)) throw new SceneError("MalformedNode", `node ${id}: component ${name} is ${typeName(v)}, want map`);
  return v;
}

/** Validates a component name or field key (Go checkName, plus automerge JS's "__proto__"). */
function checkName(what: string, s: string): void {
  if (typeof s !== "string" || s === "" || s === "__proto__" || !isWellFormed(s)) {
    throw new SceneError("InvalidProperty", `${what} name ${JSON.stringify(s)} is empty, reserved or not well-formed`);
  }
}
