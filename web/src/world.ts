// One open world: its manifest and layer documents, found through the
// Repo by the URLs the API gave, each re-read and re-resolved on every
// change (local or remote). Layers can be loaded and unloaded (an unloaded
// layer's document leaves memory and stops syncing) and shown or hidden.
// Edits are the scene library's operations, planned on the layer's
// current document and committed through its DocHandle, one change each.

import type { DocHandle, Repo, AutomergeUrl } from "@automerge/automerge-repo";
import { errorText, type LayerId, type World } from "./api";
import { readManifest, type Manifest } from "./manifest";
import { commitEditToHandle, readLayer, resolve, type LayerState, type SceneEdit, type Tree } from "./scene";

/** How long to wait for a document before reporting it unavailable, in ms. */
const FIND_TIMEOUT_MS = 20_000;

/** A layer of the open world. */
export interface LayerView {
  id: LayerId;
  name: string;
  url: AutomergeUrl | "";
  /** Whether its document is (being) loaded. */
  loaded: boolean;
  /** Loading has finished (the document is ready or failed). */
  ready: boolean;
  visible: boolean;
  handle: DocHandle<unknown> | null;
  /**
   * The tree is the server's resolved copy, shown while the document itself
   * is still arriving (a large layer takes seconds to sync into automerge);
   * read-only until the live document replaces it.
   */
  preview: boolean;
  state: LayerState | null;
  tree: Tree | null;
  /** Why the layer could not be loaded or read, "" when fine. */
  error: string;
}

/** A layer's resolved tree as the server has it (GET /api/worlds/{id}/scene). */
export interface PreviewLayer {
  id: LayerId;
  tree: Tree;
}

/** Fetches the server's resolved copy of the world's layers. */
export type PreviewSource = () => Promise<PreviewLayer[]>;

/** What changed, for the page to redraw. */
export type WorldChange =
  | { kind: "manifest" }
  | { kind: "layer"; layer: LayerId }
  | { kind: "unloaded"; layer: LayerId };

/** The open world. */
export class WorldSession {
  readonly world: World;
  readonly #repo: Repo;
  readonly #onChange: (c: WorldChange) => void;
  readonly #onError: (context: string, err: unknown) => void;
  /** In display order. */
  layers: LayerView[] = [];
  manifest: Manifest | null = null;
  #dirty = new Set<LayerId>();
  #scheduled = false;
  #localDepth = 0;
  #listeners = new Map<LayerId, () => void>();
  #generations = new Map<LayerId, number>();
  /** When a change from another peer last arrived (ms since the epoch), 0 if none. */
  lastRemoteChangeAt = 0;
  /** The world manifest's handle once open (presence travels on it), else null. */
  manifestHandle: DocHandle<unknown> | null = null;
  /** When this editor last made a change, 0 if none. */
  lastLocalChangeAt = 0;
  /** How many changes have been seen (local and remote), for tests. */
  changeCount = 0;

  readonly #preview: PreviewSource | null;

  constructor(
    repo: Repo,
    world: World,
    onChange: (c: WorldChange) => void,
    onError: (context: string, err: unknown) => void,
    preview: PreviewSource | null = null,
  ) {
    this.#repo = repo;
    this.#preview = preview;
    this.world = world;
    this.#onChange = onChange;
    this.#onError = onError;
    this.layers = world.layers.map((l) => emptyLayer(l.id, l.name, l.url));
  }

  /** open() has finished: the manifest and the initial layers are in (or failed). */
  opened = false;

  /**
   * Opens the manifest, then loads every layer it lists. Meanwhile the
   * server's resolved copy of the layers (when a preview source was given)
   * is shown for every layer whose document has not arrived yet.
   */
  async open(): Promise<void> {
    const preview = this.#showPreview();
    try {
      const h = await this.#repo.find<unknown>(this.world.url, { signal: AbortSignal.timeout(FIND_TIMEOUT_MS) });
      this.manifestHandle = h;
      this.#readManifest(h.doc());
      h.on("change", ({ doc }) => {
        this.lastRemoteChangeAt = Date.now(); // the editor never writes the manifest itself
        this.#readManifest(doc);
      });
    } catch (err) {
      this.#onError("world manifest unavailable; showing the layers the server listed", err);
    }
    await Promise.all(this.layers.map((l) => this.loadLayer(l.id)));
    await preview;
    this.opened = true;
  }

  async #showPreview(): Promise<void> {
    if (this.#preview === null) return;
    let layers: PreviewLayer[];
    try {
      performance.mark("atelier:preview-requested");
      layers = await this.#preview();
      performance.mark("atelier:preview-fetched");
    } catch (err) {
      // Only a head start is lost: the documents still load.
      this.#onError("the server's copy of the layers (shown while they load)", err);
      return;
    }
    for (const p of layers) {
      const l = this.layer(p.id);
      // Layers start loading once the manifest is in, which may be after this.
      if (l === undefined || (!l.loaded && this.opened) || l.handle !== null || l.tree !== null) continue;
      l.tree = p.tree;
      l.preview = true;
      this.#onChange({ kind: "layer", layer: l.id });
    }
  }

  /** The layer with this id, or undefined. */
  layer(id: LayerId): LayerView | undefined {
    return this.layers.find((l) => l.id === id);
  }

  /** Loads a layer's document (no-op if loaded). */
  async loadLayer(id: LayerId): Promise<void> {
    const l = this.layer(id);
    if (l === undefined || l.loaded) return;
    const generation = this.#bump(id);
    l.loaded = true;
    l.ready = false;
    l.error = "";
    this.#onChange({ kind: "layer", layer: id });
    try {
      if (l.url === "") throw new Error("the manifest gives this layer no document URL");
      const h = await this.#repo.find<unknown>(l.url, { signal: AbortSignal.timeout(FIND_TIMEOUT_MS) });
      if (this.#generations.get(id) !== generation) return; // unloaded (and maybe reloaded) meanwhile
      l.handle = h;
      const listener = (): void => {
        this.changeCount++;
        // automerge-repo reports every change's source as "change", so a
        // change is ours exactly when it happens inside edit(): DocHandle
        // emits "change" synchronously within handle.change. (Loading from
        // IndexedDB is over before the listener is added.)
        const local = this.#localDepth > 0;
        if (local) this.lastLocalChangeAt = Date.now();
        else {
          this.lastRemoteChangeAt = Date.now();
          performance.mark("atelier:remote-change", { detail: { layer: id } });
        }
        this.#markDirty(id, local);
      };
      this.#listeners.set(id, listener);
      h.on("change", listener);
      this.#read(l);
    } catch (err) {
      if (this.#generations.get(id) !== generation) return;
      this.#fail(l, err);
    }
    l.ready = true;
    this.#onChange({ kind: "layer", layer: id });
  }

  /** Starts a new load or unload of a layer, making any earlier one's late result void. */
  #bump(id: LayerId): number {
    const g = (this.#generations.get(id) ?? 0) + 1;
    this.#generations.set(id, g);
    return g;
  }

  /** Unloads a layer: its document leaves memory and stops syncing. */
  async unloadLayer(id: LayerId): Promise<void> {
    const l = this.layer(id);
    if (l !== undefined) await this.#unload(l);
  }

  async #unload(l: LayerView): Promise<void> {
    const id = l.id;
    if (!l.loaded) return;
    this.#bump(id);
    const h = l.handle;
    const listener = this.#listeners.get(id);
    if (h !== null && listener !== undefined) h.off("change", listener);
    this.#listeners.delete(id);
    Object.assign(l, { loaded: false, ready: false, handle: null, preview: false, state: null, tree: null, error: "" });
    this.#onChange({ kind: "unloaded", layer: id });
    if (h !== null) {
      try {
        await this.#repo.flush([h.documentId]);
        await this.#repo.removeFromCache(h.documentId);
      } catch (err) {
        this.#onError(`unloading layer ${l.name}`, err);
      }
    }
  }

  setVisible(id: LayerId, visible: boolean): void {
    const l = this.layer(id);
    if (l === undefined || l.visible === visible) return;
    l.visible = visible;
    this.#onChange({ kind: "layer", layer: id });
  }

  /**
   * Plans one operation on a layer's current document and commits it as
   * one change, in the same turn (so it applies to the document it was
   * planned on). It returns false (and reports why) when the layer is not
   * loaded or the operation is refused; nothing is written then.
   */
  edit(id: LayerId, plan: (doc: unknown) => SceneEdit): boolean {
    const l = this.layer(id);
    if (l?.handle == null) {
      const why = l?.preview === true ? `layer ${l.name} is still arriving (shown read-only from the server until its document is in)` : `layer ${id} is not loaded`;
      this.#onError("edit", new Error(why));
      return false;
    }
    this.#localDepth++;
    try {
      commitEditToHandle(l.handle, plan(l.handle.doc()));
      return true;
    } catch (err) {
      this.#onError(`edit ${l.name}`, err);
      return false;
    } finally {
      this.#localDepth--;
    }
  }

  /** The loaded layer holding a node, or undefined. */
  layerOf(node: string): LayerView | undefined {
    return this.layers.find((l) => l.tree !== null && Object.prototype.hasOwnProperty.call(l.tree.nodes, node));
  }

  /** Nodes in loaded layers. */
  nodeCount(): number {
    let n = 0;
    for (const l of this.layers) if (l.tree !== null) n += Object.keys(l.tree.nodes).length;
    return n;
  }

  /** Whether every loaded layer has finished loading. */
  allReady(): boolean {
    return this.opened && this.layers.every((l) => !l.loaded || l.ready);
  }

  /**
   * Called after a flush that re-read layers, so the page can draw them in
   * the same frame rather than the next (a remote change then shows within
   * one frame of its arrival).
   */
  onFlushed: (() => void) | null = null;

  /** Re-reads now every layer whose document changed (normally once per frame). */
  flush(): void {
    this.#scheduled = false;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const id of dirty) {
      const l = this.layer(id);
      if (l?.handle != null) {
        this.#read(l);
        this.#onChange({ kind: "layer", layer: id });
      }
    }
    if (dirty.length > 0) this.onFlushed?.();
  }

  #markDirty(id: LayerId, local: boolean): void {
    this.#dirty.add(id);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Once per frame however many changes arrive; a hidden tab has no
    // frames, so fall back to a timer there.
    if (typeof requestAnimationFrame !== "function" || document.visibilityState !== "visible") {
      setTimeout(() => this.flush(), 16);
    } else if (local) {
      // automerge-repo sends a local change from a zero-delay timer it set
      // in this same turn (its throttle, when edits are over 16 ms apart).
      // Asking for the frame only after that timer lets the message leave
      // first: drawing first held it back by the frame's render and commit
      // (~35 ms under SwiftShader, docs/performance.md).
      setTimeout(() => requestAnimationFrame(() => this.flush()), 0);
    } else {
      requestAnimationFrame(() => this.flush());
    }
  }

  #read(l: LayerView): void {
    try {
      l.state = readLayer(l.handle!.doc());
      l.tree = resolve(l.state);
      l.preview = false;
      l.error = "";
    } catch (err) {
      l.state = null;
      l.tree = null;
      l.preview = false;
      this.#fail(l, err);
    }
  }

  #fail(l: LayerView, err: unknown): void {
    l.error = errorText(err);
    this.#onError(`layer ${l.name || l.id}`, err);
  }

  #readManifest(doc: unknown): void {
    let m: Manifest;
    try {
      m = readManifest(doc);
    } catch (err) {
      this.#onError("world manifest", err);
      return;
    }
    this.manifest = m;
    const next: LayerView[] = [];
    for (const ml of m.layers) {
      const l = this.layer(ml.id) ?? emptyLayer(ml.id, ml.name, ml.url);
      l.name = ml.name;
      if (l.url === "" && ml.url !== "") l.url = ml.url;
      next.push(l);
    }
    const removed = this.layers.filter((l) => !next.includes(l));
    const added = next.filter((l) => !this.layers.includes(l));
    this.layers = next;
    for (const l of removed) void this.#unload(l);
    this.#onChange({ kind: "manifest" });
    for (const l of added) void this.loadLayer(l.id);
  }
}

function emptyLayer(id: LayerId, name: string, url: AutomergeUrl | ""): LayerView {
  return { id, name, url, loaded: false, ready: false, visible: true, handle: null, preview: false, state: null, tree: null, error: "" };
}
