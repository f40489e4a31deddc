// The typed client of the history routes of the HTTP API (docs/api.md,
// "Versions and history"): the timeline, a world as it was, diffs,
// restore and revert, named versions and branches. Responses are checked
// leniently: missing lists read as empty, so a field the server omits
// (Go's nil slices, omitempty) never breaks a panel.

import { parseWorld, type Api, type LayerId, type World, type WorldId } from "./api";
import { type NodeId, type ResolvedNode, type Tree } from "./scene";

/** A node a change touched, as the history decodes it. */
export interface Touch {
  id: string;
  created?: boolean;
  deleted?: boolean;
  props?: string[];
  name?: string;
  oldName?: string;
}

/** One change of the timeline. */
export interface HistoryEntry {
  hash: string;
  /** A layer id, or "manifest". */
  layer: string;
  user: string;
  receivedAt: string;
  /** The change's own time, ms since the epoch (0 when unknown). */
  time: number;
  message: string;
  summary: string;
  touched: Touch[];
}

/** A page of the timeline, newest first; next is "" at the end. */
export interface HistoryPage {
  changes: HistoryEntry[];
  next: string;
}

/** Where a node sits: its parent ("" = the root) and sibling order. */
export interface Location {
  parent: string;
  order: string;
}

/** What changed in one layer between two versions. */
export interface TreeDiff {
  added: string[];
  removed: string[];
  moved: Array<{ id: string; before: Location; after: Location }>;
  changed: Array<{ id: string; op: string; path: string; before?: unknown; after?: unknown }>;
}

/** A layer's diff. */
export interface LayerDiff {
  id: string;
  name: string;
  diff: TreeDiff;
}

/** A property a revert left alone because it was changed since. */
export interface Conflict {
  node: string;
  path: string;
  reason: string;
  before?: unknown;
  after?: unknown;
  current?: unknown;
}

/** What a restore or revert wrote to one layer (change "" when nothing). */
export interface LayerWrite {
  layer: string;
  change: string;
  created: string[];
  deleted: string[];
  updated: string[];
  conflicts: Conflict[];
}

/** A named version. */
export interface Version {
  name: string;
  createdAt: string;
  createdBy: string;
}

/** A branch: a world of its own, forked from parent. */
export interface Branch extends World {
  parent: string;
  branch: string;
  forkedAt: string;
}

/** A layer of a world as it was at a version. */
export interface SceneLayer {
  id: LayerId;
  name: string;
  tree: Tree;
}

/** What POST restore takes. */
export interface RestoreRequest {
  at: string;
  layer?: string;
  nodes?: string[];
  properties?: string[];
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

/** Reads one history entry. */
export function parseEntry(v: unknown): HistoryEntry {
  const o = obj(v);
  return {
    hash: str(o["hash"]),
    layer: str(o["layer"]),
    user: str(o["user"]),
    receivedAt: str(o["receivedAt"]),
    time: typeof o["time"] === "number" ? o["time"] : 0,
    message: str(o["message"]),
    summary: str(o["summary"]),
    touched: list(o["touched"]).map((t) => ({ ...t, id: str(t["id"]) }) as Touch),
  };
}

/** Reads one layer's diff. */
export function parseTreeDiff(v: unknown): TreeDiff {
  const o = obj(v);
  const loc = (x: unknown): Location => ({ parent: str(obj(x)["parent"]), order: str(obj(x)["order"]) });
  return {
    added: strs(o["added"]),
    removed: strs(o["removed"]),
    moved: list(o["moved"]).map((m) => ({ id: str(m["id"]), before: loc(m["before"]), after: loc(m["after"]) })),
    changed: list(o["changed"]).map((c) => ({ id: str(c["id"]), op: str(c["op"]), path: str(c["path"]), before: c["before"], after: c["after"] })),
  };
}

function parseLayerDiffs(v: unknown): LayerDiff[] {
  return list(obj(v)["layers"]).map((l) => ({ id: str(l["id"]), name: str(l["name"]), diff: parseTreeDiff(l["diff"]) }));
}

/** Reads what a restore or revert wrote to a layer. */
export function parseLayerWrite(v: unknown): LayerWrite {
  const o = obj(v);
  return {
    layer: str(o["layer"]),
    change: str(o["change"]),
    created: strs(o["created"]),
    deleted: strs(o["deleted"]),
    updated: strs(o["updated"]),
    conflicts: list(o["conflicts"]).map((c) => ({ ...c, node: str(c["node"]), path: str(c["path"]), reason: str(c["reason"]) })),
  };
}

function parseVersion(v: unknown): Version {
  const o = obj(v);
  return { name: str(o["name"]), createdAt: str(o["createdAt"]), createdBy: str(o["createdBy"]) };
}

function parseBranch(v: unknown): Branch {
  const o = obj(v);
  return { ...parseWorld(v), parent: str(o["parent"]), branch: str(o["branch"]), forkedAt: str(o["forkedAt"]) };
}

/**
 * Reads a resolved tree as the Go server writes it: nil slices (null)
 * read as empty, a missing parent as the root.
 */
export function parseTree(v: unknown): Tree {
  const o = obj(v);
  const nodes: Record<string, ResolvedNode> = {};
  for (const [id, raw] of Object.entries(obj(o["nodes"]))) {
    const n = obj(raw);
    const t = obj(n["transform"]);
    const vec = <T extends number[]>(x: unknown, d: T): T => (Array.isArray(x) && x.length === d.length && x.every((e) => typeof e === "number") ? (x as T) : d);
    nodes[id] = {
      id: id as NodeId,
      name: str(n["name"]),
      kind: str(n["kind"]),
      parent: str(n["parent"]) as NodeId,
      order: str(n["order"]),
      asset: str(n["asset"]),
      transform: { t: vec(t["t"], [0, 0, 0]), r: vec(t["r"], [0, 0, 0, 1]), s: vec(t["s"], [1, 1, 1]) },
      components: obj(n["components"]) as ResolvedNode["components"],
      orphan: n["orphan"] === true,
      cycleBroken: n["cycleBroken"] === true,
      children: strs(n["children"]) as NodeId[],
      ...(typeof n["declaredParent"] === "string" ? { declaredParent: n["declaredParent"] as NodeId } : {}),
    };
  }
  return { roots: strs(o["roots"]) as NodeId[], nodes };
}

/** The history routes of one world. */
export class HistoryApi {
  readonly #api: Api;
  readonly #base: string;

  constructor(api: Api, world: WorldId) {
    this.#api = api;
    this.#base = `/api/worlds/${encodeURIComponent(world)}`;
  }

  /** GET /history: a page of the timeline, newest first. */
  async history(opts: { limit?: number; before?: string; layer?: string } = {}): Promise<HistoryPage> {
    const q = new URLSearchParams();
    if (opts.layer) q.set("layer", opts.layer);
    if (opts.limit) q.set("limit", String(opts.limit));
    if (opts.before) q.set("before", opts.before);
    const qs = q.toString();
    const body = obj(await this.#api.request("GET", `${this.#base}/history${qs ? `?${qs}` : ""}`));
    return { changes: list(body["changes"]).map(parseEntry), next: str(body["next"]) };
  }

  /** GET /scene?at=: every layer's resolved tree as it was at a version (now when at is ""). */
  async scene(at: string): Promise<SceneLayer[]> {
    const q = at === "" ? "" : `?at=${encodeURIComponent(at)}`;
    const body = obj(await this.#api.request("GET", `${this.#base}/scene${q}`));
    return list(body["layers"]).map((l) => ({ id: str(l["id"]) as LayerId, name: str(l["name"]), tree: parseTree(l["tree"]) }));
  }

  /** GET /diff?from=&to=: per layer, what changed from one version to another (to: now). */
  async diff(from: string, to?: string): Promise<LayerDiff[]> {
    const q = `from=${encodeURIComponent(from)}${to ? `&to=${encodeURIComponent(to)}` : ""}`;
    return parseLayerDiffs(await this.#api.request("GET", `${this.#base}/diff?${q}`));
  }

  /** POST /restore: make the world (or nodes of it) equal to a version. */
  async restore(req: RestoreRequest): Promise<LayerWrite[]> {
    return list(obj(await this.#api.request("POST", `${this.#base}/restore`, req))["layers"]).map(parseLayerWrite);
  }

  /** POST /revert: undo exactly one change. */
  async revert(change: string): Promise<LayerWrite> {
    return parseLayerWrite(await this.#api.request("POST", `${this.#base}/revert`, { change }));
  }

  async versions(): Promise<Version[]> {
    return list(obj(await this.#api.request("GET", `${this.#base}/versions`))["versions"]).map(parseVersion);
  }

  async createVersion(name: string): Promise<Version> {
    return parseVersion(await this.#api.request("POST", `${this.#base}/versions`, { name }));
  }

  async branches(): Promise<Branch[]> {
    return list(obj(await this.#api.request("GET", `${this.#base}/branches`))["branches"]).map(parseBranch);
  }

  async createBranch(name: string, from?: string): Promise<Branch> {
    return parseBranch(await this.#api.request("POST", `${this.#base}/branches`, from ? { name, from } : { name }));
  }

  async mergePreview(branch: string): Promise<LayerDiff[]> {
    return parseLayerDiffs(await this.#api.request("GET", `${this.#base}/branches/${encodeURIComponent(branch)}/merge-preview`));
  }

  /** POST merge: the branch's changes this world lacks, per layer. */
  async merge(branch: string): Promise<Array<{ layer: string; changes: number }>> {
    const body = obj(await this.#api.request("POST", `${this.#base}/branches/${encodeURIComponent(branch)}/merge`));
    return list(body["layers"]).map((l) => ({ layer: str(l["layer"]), changes: typeof l["changes"] === "number" ? l["changes"] : 0 }));
  }
}
