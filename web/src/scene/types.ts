// The layer and node model of schema v1, mirroring Go's scene.Node,
// scene.LayerState, scene.ResolvedNode and scene.Tree, with the field names
// and shapes of the JSON the Go API emits (docs/scene-schema.md).

/**
 * Identifies a node within a layer. Writers use canonical lowercase UUIDs;
 * readers and the tree rules treat ids as opaque strings compared
 * byte-wise. The empty id is never a node: as a parent it means "the layer
 * root". Branded so that ids are not mixed up with other strings.
 */
export type NodeId = string & { readonly __brand: "NodeId" };

/** Brands s as a NodeId (no check: ids are opaque strings). */
export function nodeId(s: string): NodeId {
  return s as NodeId;
}

/** The parent id meaning "the layer root". */
export const ROOT = nodeId("");

/** LayerSchema: the root `schema` of a layer document of schema version 1. */
export const LAYER_SCHEMA = "atelier.layer/1";

/** The commit message of the change that creates a layer document (Go LayerCreateMessage). */
export const LAYER_CREATE_MESSAGE = "atelier: create layer";

/** Well-known node kinds. Kind is an open set: unknown kinds are kept. */
export const Kind = {
  /** A node with no content of its own (a transform only); the default. */
  Empty: "empty",
  /** A node that exists to group its children. */
  Group: "group",
  /** A node that renders the mesh named by its asset. */
  Mesh: "mesh",
  /** A light source; its parameters live in components. */
  Light: "light",
  /** A camera; its parameters live in components. */
  Camera: "camera",
} as const;

/** A 3-vector [x, y, z]. */
export type Vec3 = [number, number, number];

/** A rotation quaternion [x, y, z, w]; the identity is [0, 0, 0, 1]. */
export type Quat = [number, number, number, number];

/** A node's local transform relative to its parent. */
export interface Transform {
  /** Translation [x, y, z]. */
  t: Vec3;
  /** Rotation quaternion [x, y, z, w]. */
  r: Quat;
  /** Scale [x, y, z]. */
  s: Vec3;
}

/** Returns the default transform: t=[0,0,0], r=[0,0,0,1], s=[1,1,1]. */
export function identityTransform(): Transform {
  return { t: [0, 0, 0], r: [0, 0, 0, 1], s: [1, 1, 1] };
}

/**
 * A component field value as read: automerge Text and scalar strings read
 * as string, counters and ints as number, timestamps as Date, bytes as
 * Uint8Array. (In JSON from the Go API, timestamps and bytes are strings.)
 */
export type PlainValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | Date
  | PlainValue[]
  | { [key: string]: PlainValue };

/** A component: its fields by name. */
export type ComponentFields = Record<string, PlainValue>;

/**
 * One scene node as stored in a layer document, after lenient decoding
 * (Go scene.Node). `parent` is the parent the document declares, which may
 * name a node that does not exist; resolve decides where it is shown.
 * `warnings` lists, in a stable order, every field that was missing or
 * mistyped and replaced by its default; it is absent when there are none.
 */
export interface SceneNode {
  id: NodeId;
  name: string;
  kind: string;
  parent: NodeId;
  order: string;
  asset: string;
  transform: Transform;
  components: Record<string, ComponentFields>;
  warnings?: string[];
}

/**
 * The plain state of one layer document (Go scene.LayerState): what
 * readLayer materializes and resolve consumes. Nodes are keyed by id (the
 * key is authoritative). `schema` is "" when it was missing or mistyped;
 * `warnings` lists layer-level problems and is absent when there are none.
 */
export interface LayerState {
  schema: string;
  nodes: Record<string, SceneNode>;
  warnings?: string[];
}

/**
 * A node placed in the resolved tree (Go scene.ResolvedNode, as JSON).
 * `parent` is where the node is shown ("" = the layer root): it differs
 * from the declared parent only for an orphan or the node that breaks a
 * cycle, and for those two `declaredParent` holds the declared parent (it
 * is absent otherwise). `children` are in sibling order, [] for a leaf.
 */
export interface ResolvedNode extends SceneNode {
  declaredParent?: NodeId;
  orphan: boolean;
  cycleBroken: boolean;
  children: NodeId[];
}

/**
 * A layer resolved into a forest (Go scene.Tree): `roots` are the children
 * of the layer root in sibling order, and `nodes` holds every node of the
 * state exactly once, keyed by id.
 */
export interface Tree {
  roots: NodeId[];
  nodes: Record<string, ResolvedNode>;
}

/** Returns a node with every field at its documented default. */
export function defaultNode(id: NodeId): SceneNode {
  return {
    id,
    name: "",
    kind: Kind.Empty,
    parent: ROOT,
    order: "",
    asset: "",
    transform: identityTransform(),
    components: {},
  };
}
