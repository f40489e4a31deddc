// A world's editor ("/worlds/{id}"): the world loaded over the API, its
// manifest and layer documents opened through the Repo (a peer of the
// server like any automerge-repo client), a 3D viewport, the layers
// panel, the outliner and the inspector. Every document change, local or
// remote, redraws what it touches (once per frame). The deep link
// ?camera=…&select=… is applied once the layers have loaded.

import * as A from "@automerge/automerge";
import type { Repo } from "@automerge/automerge-repo";
import { canEdit, errorText, type Api, type Credentials, type LayerId, type World, type WorldId } from "../api";
import { worldPath, type DeepLink } from "../deeplink";
import { h } from "../dom";
import { HistoryApi } from "../historyapi";
import { installHooks, type AtelierHooks } from "../hooks";
import { ComponentsPanel } from "../panels/components";
import { HistoryPanel, type VersionView } from "../panels/history";
import { Inspector } from "../panels/inspector";
import { LayersPanel } from "../panels/layers";
import { Outliner } from "../panels/outliner";
import { openRepo } from "../repo";
import {
  addComponent, createNode, deleteSubtree, duplicateSubtree, groupNodes, identityTransform, Kind, removeComponent, resolvedNode, ROOT,
  setComponentProperty, setProperty, setTransformElement,
  type NodeId, type SceneEdit, type Transform,
} from "../scene";
import { installShortcuts, type ShortcutAction } from "../shortcuts";
import type { Shell } from "../shell";
import type { Status } from "../status";
import { outcomeText, UndoManager } from "../undo";
import { Viewport, type Pick } from "../viewport";
import { WorldSession, type LayerView, type PreviewSource, type WorldChange } from "../world";

import { EditorTools } from "./editortools";

/** The editor page's state and views. */
class Editor {
  readonly session: WorldSession;
  readonly repo: Repo;
  readonly editable: boolean;
  viewport: Viewport | null = null;
  selection: Pick | null = null;
  active: LayerId | null = null;
  readonly #status: Status;
  readonly #user: string;
  readonly #layers: LayersPanel;
  readonly #outliner: Outliner;
  readonly #inspector: Inspector;
  readonly #addKind: HTMLSelectElement;
  readonly #deleteButton: HTMLButtonElement;
  readonly #addChild: HTMLButtonElement;
  readonly #onName: (name: string) => void;
  #pendingLayers = new Set<LayerId>();
  #frame = 0;
  /** The history panel, undo and the components panel (attachHistory). */
  #history: HistoryPanel | null = null;
  #undo: UndoManager | null = null;
  #components: ComponentsPanel | null = null;
  /** The version shown read only instead of the live world, or null. */
  #view: VersionView | null = null;
  /** The initial layers are in and the deep link was applied. */
  settled = false;
  /** Gizmo, box select, multi-selection, outliner drag and drop, presence (editortools.ts). */
  readonly tools: EditorTools;

  constructor(shell: Shell, world: World, cred: Credentials, status: Status, onName: (name: string) => void, preview: PreviewSource | null = null) {
    this.#status = status;
    this.#onName = onName;
    this.#user = cred.user || "local";
    this.editable = canEdit(world.role);
    this.repo = openRepo(location, cred, {
      state: (s, detail) => status.setConnection(s, detail),
      refused: (detail) => status.error(`the server closed the sync connection (${detail})`),
    });
    this.session = new WorldSession(this.repo, world, (c) => this.#changed(c), (ctx, err) => status.error(ctx, err), preview);
    this.#layers = new LayersPanel({
      setVisible: (id, v) => this.session.setVisible(id, v),
      setLoaded: (id, loaded) => void (loaded ? this.session.loadLayer(id) : this.session.unloadLayer(id)),
      activate: (id) => {
        this.active = id;
        this.#schedule();
      },
    });
    this.tools = this.#makeTools(status);
    this.#outliner = new Outliner({ select: (p) => this.select(p), frame: (p) => this.viewport?.frame(p), ...this.tools.outlinerEvents() });
    this.#inspector = new Inspector({
      rename: (name) => this.#editSelected((doc, id) => setProperty(doc, id, "name", name, this.#opt())),
      setKind: (kind) => this.#editSelected((doc, id) => setProperty(doc, id, "kind", kind, this.#opt())),
      setTransform: (vec, i, v) => this.#editSelected((doc, id) => setTransformElement(doc, id, vec, i, v, this.#opt())),
    });
    this.#addKind = h("select", { name: "add-kind", "aria-label": "Kind of the new node", disabled: !this.editable });
    this.#addKind.append(...Object.values(Kind).map((k) => h("option", { value: k, text: k })));
    this.#addKind.value = Kind.Mesh;
    const add = h("button", { type: "button", class: "add-node", text: "Add", title: "Add a node beside the selection (or at the layer root)", disabled: !this.editable });
    add.addEventListener("click", () => this.addNode(this.#addKind.value, false));
    this.#addChild = h("button", { type: "button", class: "add-child", text: "Add child", title: "Add a node under the selection", disabled: true });
    this.#addChild.addEventListener("click", () => this.addNode(this.#addKind.value, true));
    this.#deleteButton = h("button", { type: "button", class: "delete-node", text: "Delete", disabled: true });
    this.#deleteButton.addEventListener("click", () => this.deleteSelected());
    const frame = h("button", { type: "button", text: "Frame", title: "Frame the selection, or everything (F)" });
    frame.addEventListener("click", () => this.viewport?.frame(this.selection ?? undefined));
    const link = h("button", { type: "button", text: "Copy link", title: "A link to this view and selection" });
    link.addEventListener("click", () => this.#copyLink());

    const viewportEl = h("div", { class: "viewport" });
    shell.main.replaceChildren(
      h(
        "div",
        { class: "editor" },
        h("aside", { class: "left" }, h("h2", { text: "Layers" }), this.#layers.el, h("h2", { text: "Outliner" }), this.#outliner.el),
        viewportEl,
        h(
          "aside",
          { class: "right" },
          h("div", { class: "toolbar" }, this.#addKind, add, this.#addChild, this.#deleteButton, frame, link),
          h("h2", { text: "Inspector" }),
          this.#inspector.el,
        ),
      ),
    );
    try {
      this.viewport = new Viewport(viewportEl, (p) => this.select(p));
      this.tools.mountViewport(viewportEl);
    } catch (err) {
      viewportEl.append(h("p", { class: "no-webgl", text: `No 3D view: ${errorText(err)}` }));
      status.error("the 3D viewport is unavailable (WebGL)", err);
    }
    this.tools.watchFields(this.#inspector.el);
    this.tools.mountHeader(shell);
    installShortcuts(document, (a) => this.#shortcut(a));
    // Save what IndexedDB does not have yet. A failure cannot be shown any
    // more (the page is going); the server has every change already sent.
    window.addEventListener("pagehide", () => void this.repo.flush().catch(() => {}));
  }

  /** Selects a node (null: nothing) everywhere, and puts it in the address. */
  select(p: Pick | null): void {
    this.selection = p;
    if (p !== null) this.active = p.layer;
    this.viewport?.select(p);
    this.tools.selectionChanged(p);
    const url = new URL(location.href);
    url.searchParams.delete("camera");
    if (p === null) url.searchParams.delete("select");
    else url.searchParams.set("select", p.node);
    history.replaceState(null, "", url.pathname + url.search);
    this.#schedule();
  }

  /** Selects a node by id in whichever loaded layer holds it. */
  selectNode(node: string | null): boolean {
    if (node === null) {
      this.select(null);
      return true;
    }
    const l = this.session.layerOf(node);
    if (l === undefined) return false;
    this.select({ layer: l.id, node: node as NodeId });
    return true;
  }

  /**
   * Adds a node where the camera orbits: as the last child of the
   * selection (asChild), else beside the selection (same parent), else at
   * the root of the active layer.
   */
  addNode(kind: string, asChild: boolean): void {
    const layerId = this.selection?.layer ?? this.active ?? this.session.layers.find((l) => l.tree !== null)?.id;
    const layer = layerId ? this.session.layer(layerId) : undefined;
    if (layer?.tree == null) {
      this.#status.error("add node", new Error("no loaded layer to add to"));
      return;
    }
    const sel = this.selection;
    const parent = sel === null ? ROOT : asChild ? sel.node : (resolvedNode(layer.tree, sel.node)?.parent ?? ROOT);
    const transform: Transform = identityTransform();
    const at = this.viewport?.targetIn(parent === ROOT ? null : { layer: layer.id, node: parent });
    if (at) transform.t = [round(at[0]), round(at[1]), round(at[2])];
    const count = Object.values(layer.tree.nodes).filter((n) => n.kind === kind).length;
    const id = crypto.randomUUID() as NodeId;
    const name = `${kind[0]?.toUpperCase() ?? ""}${kind.slice(1)} ${count + 1}`;
    const ok = this.#apply(layer.id, (doc) => createNode(doc, { id, name, kind, parent, transform }, {}, this.#opt()));
    if (ok) {
      this.session.flush();
      this.select({ layer: layer.id, node: id });
    }
  }

  deleteSelected(): void {
    const p = this.selection;
    if (p === null) return;
    const tops = this.#topSelected(p.layer);
    let deleted = 0;
    for (const id of tops) {
      if (!this.#apply(p.layer, (doc) => deleteSubtree(doc, id, this.#opt()))) break;
      deleted++;
    }
    if (deleted > 0) this.select(null);
    if (tops.length > 1) this.#status.info(`deleted ${deleted} of ${tops.length} selected subtrees`);
  }

  /**
   * The selected nodes of a layer (the primary selection's, normally) that
   * have no selected ancestor, in selection order: what delete and
   * duplicate act on, as a selected subtree goes with its root.
   */
  #topSelected(layer: LayerId): NodeId[] {
    const tree = this.session.layer(layer)?.tree;
    if (!tree) return [];
    const ids = this.tools.selected.filter((q) => q.layer === layer && tree.nodes[q.node] !== undefined).map((q) => q.node);
    const set = new Set<string>(ids);
    const underSelected = (id: NodeId): boolean => {
      for (let n = tree.nodes[id]?.parent, hops = 0; n !== undefined && n !== ROOT && hops < 10_000; n = tree.nodes[n]?.parent, hops++) {
        if (set.has(n)) return true;
      }
      return false;
    };
    return ids.filter((id) => !underSelected(id));
  }

  /** Hooks for browser tests. */
  hooks(base: AtelierHooks, world: World): AtelierHooks {
    const s = this.session;
    return {
      ...base,
      page: "editor",
      worldId: world.id,
      ready: () => this.settled && s.allReady(),
      selection: () => this.selection,
      nodeCount: () => s.nodeCount(),
      layers: () =>
        s.layers.map((l) => ({
          id: l.id, name: l.name, loaded: l.loaded, ready: l.ready, visible: l.visible, preview: l.preview,
          nodes: l.tree ? Object.keys(l.tree.nodes).length : 0, error: l.error,
        })),
      lastRemoteChangeAt: () => s.lastRemoteChangeAt,
      lastLocalChangeAt: () => s.lastLocalChangeAt,
      viewportObjects: () => this.viewport?.objectCount() ?? -1,
      camera: () => this.viewport?.cameraPose() ?? null,
      screenPosition: (node) => {
        const l = s.layerOf(node);
        return l && this.viewport ? this.viewport.screenPosition({ layer: l.id, node: node as NodeId }) : null;
      },
      select: (node) => this.selectNode(node),
      ...this.tools.hooks(),
    };
  }

  /** Applies the deep link once the layers are in. */
  applyLink(link: DeepLink): void {
    for (const p of link.problems) this.#status.error(`deep link ${p}`);
    if (link.select !== null && !this.selectNode(link.select)) {
      this.#status.error(`deep link: node ${link.select} is not in any loaded layer`);
    }
    if (link.camera !== null) this.viewport?.setCameraPose(link.camera);
    else this.viewport?.frame(this.selection ?? undefined);
    this.settled = true;
  }

  /** The operations' options: the author recorded in every commit message. */
  #opt(): { author: string } {
    return { author: this.#user };
  }

  #editSelected(plan: (doc: unknown, id: NodeId) => SceneEdit): void {
    const p = this.selection;
    if (p !== null) this.#apply(p.layer, (doc) => plan(doc, p.node));
  }

  /** Plans and commits one operation (errors go to the status bar; nothing is written then). */
  #apply(layer: LayerId, plan: (doc: unknown) => SceneEdit): boolean {
    if (!this.editable) {
      this.#status.error("edit refused: your role on this world is read-only");
      return false;
    }
    if (this.#view !== null) {
      this.#status.error("edit refused: viewing a past version (read-only); go back to live to edit");
      return false;
    }
    return this.session.edit(layer, plan);
  }

  #changed(c: WorldChange): void {
    if (c.kind === "manifest") {
      if (this.session.manifest !== null && this.session.manifest.name !== "") this.#onName(this.session.manifest.name);
    } else {
      this.#pendingLayers.add(c.layer);
    }
    this.historyChanged();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.render();
    });
  }

  /** Redraws what changed since the last frame. */
  render(): void {
    const s = this.session;
    for (const id of this.#view === null ? this.#pendingLayers : []) {
      const l = s.layer(id);
      if (l?.tree != null) {
        this.viewport?.setLayer(id, l.tree);
        this.viewport?.setLayerVisible(id, l.visible);
      } else {
        this.viewport?.removeLayer(id);
      }
    }
    if (this.#view === null) this.#pendingLayers.clear();
    const shown = this.#shownLayers();
    if (this.selection !== null && shown.find((l) => l.id === this.selection?.layer)?.tree?.nodes[this.selection.node] === undefined) {
      this.select(null); // deleted, here or by someone else
    }
    if (this.active !== null && !s.layer(this.active)?.loaded) this.active = null;
    this.#layers.render(s.layers, this.active ?? s.layers.find((l) => l.tree !== null)?.id ?? null);
    this.#outliner.render(shown, this.selection, this.tools.outlinerState());
    this.#history?.markOutliner(this.#outliner.el);
    const p = this.selection;
    const layer = p ? shown.find((l) => l.id === p.layer) : undefined;
    const node = p && layer?.tree ? (resolvedNode(layer.tree, p.node) ?? null) : null;
    const parentName = node && layer?.tree ? (resolvedNode(layer.tree, node.parent)?.name ?? "") : "";
    const readOnly = this.#readOnlyWhy(layer);
    const editable = readOnly === "";
    this.#inspector.render(node, layer?.name ?? "", readOnly, parentName);
    this.#components?.render(node, editable);
    this.#deleteButton.disabled = !editable || node === null;
    this.#addChild.disabled = !editable || node === null;
    this.tools.afterRender();
  }

  /** Draws now what a session flush changed (it runs in an animation frame), not a frame later. */
  #drawFlushed(): void {
    if (this.#frame === 0) return;
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.render();
  }

  /** The tools' view of the page (editortools.ts). */
  #makeTools(status: Status): EditorTools {
    this.session.onFlushed = () => this.#drawFlushed();
    return new EditorTools({
      session: this.session,
      repo: this.repo,
      status,
      user: this.#user,
      viewport: () => this.viewport,
      canEditNow: () => this.editable && this.#view === null,
      primary: () => this.selection,
      select: (p) => this.select(p),
      apply: (layer, plan) => this.#apply(layer, plan),
      opt: () => this.#opt(),
      schedule: () => this.#schedule(),
    });
  }

  /**
   * Mounts the history panel (timeline, versions, branches), the
   * components panel under the inspector, and undo/redo through the
   * server's revert, for the world's history API.
   */
  attachHistory(api: HistoryApi): void {
    const right = this.#inspector.el.parentElement;
    this.#components = new ComponentsPanel({
      setAsset: (asset) => this.#editSelected((doc, id) => setProperty(doc, id, "asset", asset, this.#opt())),
      addComponent: (name) => this.#editSelected((doc, id) => addComponent(doc, id, name, {}, this.#opt())),
      removeComponent: (name) => this.#editSelected((doc, id) => removeComponent(doc, id, name, this.#opt())),
      setField: (c, key, v) => this.#editSelected((doc, id) => setComponentProperty(doc, id, c, key, v, this.#opt())),
    });
    this.#history = new HistoryPanel({
      api,
      world: this.session.world,
      user: this.#user,
      editable: this.editable,
      status: this.#status,
      selection: () => this.selection,
      liveTree: (id) => this.session.layer(id)?.tree ?? null,
      show: (v) => this.#showVersion(v),
      open: (id) => location.assign(`/worlds/${encodeURIComponent(id)}`),
    });
    this.#undo = new UndoManager(api, this.#user, {
      heads: () => this.session.layers.flatMap((l) => (l.handle ? A.getHeads(l.handle.doc() as A.Doc<unknown>) : [])),
      lastLocalChangeAt: () => this.session.lastLocalChangeAt,
    });
    right?.append(this.#components.el, h("h2", { text: "History" }), this.#history.el);
    this.viewport?.renderer.domElement.parentElement?.append(this.#history.banner);
    if (this.viewport) this.viewport.models.onError = (url, err) => this.#status.error(`loading model ${url}`, err);
    void this.#history.open();
    if (this.editable) void this.#undo.refresh().catch((err: unknown) => this.#status.error("reading the undo history", err));
    this.#schedule();
  }

  /** Tells the history panel the documents changed (it refreshes its timeline). */
  historyChanged(): void {
    this.#history?.changed();
  }

  /** Shows a past version read only (null: the live world again). */
  #showVersion(v: VersionView | null): void {
    const vp = this.viewport;
    const was = this.#view;
    this.#view = v;
    if (vp) {
      const drawn = new Set<LayerId>([...this.session.layers.map((l) => l.id), ...(was?.layers.map((l) => l.id) ?? [])]);
      for (const id of drawn) vp.removeLayer(id);
      if (v !== null) {
        for (const l of v.layers) {
          vp.setLayer(l.id, l.tree);
          vp.setLayerVisible(l.id, this.session.layer(l.id)?.visible ?? true);
        }
      } else {
        for (const l of this.session.layers) this.#pendingLayers.add(l.id);
      }
      vp.setHighlights(v?.highlights ?? null);
    }
    if (this.selection !== null) this.viewport?.select(this.selection);
    this.render();
  }

  /** Why a layer's nodes cannot be edited now, "" when they can. */
  #readOnlyWhy(layer: LayerView | undefined): string {
    if (!this.editable) return "your role on this world does not allow edits.";
    if (this.#view !== null) return "you are viewing a past version; go back to live to edit.";
    if (layer?.preview === true) return "this layer is still arriving; it opens for edits once its document is in.";
    return "";
  }

  /** The layers the viewport, outliner and inspector show: the version viewed, or the live ones. */
  #shownLayers(): readonly LayerView[] {
    const v = this.#view;
    if (v === null) return this.session.layers;
    return v.layers.map((l): LayerView => ({
      id: l.id, name: l.name, url: "", loaded: true, ready: true, visible: this.session.layer(l.id)?.visible ?? true,
      handle: null, preview: false, state: null, tree: l.tree, error: "",
    }));
  }

  /** Runs a keyboard shortcut; false when it does not apply (the key keeps its default). */
  #shortcut(a: ShortcutAction): boolean {
    const editable = this.editable && this.#view === null;
    switch (a) {
      case "delete":
        if (this.selection === null || !editable) return false;
        this.deleteSelected();
        return true;
      case "duplicate":
        if (this.selection === null) return false;
        this.duplicateSelected();
        return true;
      case "group":
        if (this.selection === null) return false;
        this.groupSelected();
        return true;
      case "focus":
        this.viewport?.frame(this.selection ?? undefined);
        return true;
      case "deselect":
        this.select(null);
        return true;
      case "undo":
      case "redo":
        void this.undoRedo(a);
        return true;
    }
  }

  /**
   * Duplicates each selected subtree beside itself (one change each) and
   * selects the copies.
   */
  duplicateSelected(): void {
    const p = this.selection;
    const tree = p ? this.session.layer(p.layer)?.tree : undefined;
    if (p === null || !tree) return;
    const copies: NodeId[] = [];
    for (const id of this.#topSelected(p.layer)) {
      const parent = resolvedNode(tree, id)?.parent ?? ROOT;
      let copy: NodeId | undefined;
      const ok = this.#apply(p.layer, (doc) => {
        const e = duplicateSubtree(doc, id, parent, { after: id }, this.#opt());
        copy = e.ids.get(id);
        return e;
      });
      if (!ok) break;
      if (copy !== undefined) copies.push(copy);
    }
    if (copies.length === 0) return;
    this.session.flush();
    this.tools.selectMany(copies.map((node) => ({ layer: p.layer, node })));
    this.#status.info(copies.length === 1 ? "duplicated" : `duplicated ${copies.length} subtrees`);
  }

  /**
   * Groups the selected nodes of the primary selection's layer under a new
   * empty node (one change per operation) and selects the group.
   */
  groupSelected(): void {
    const p = this.selection;
    if (p === null) return;
    const group = crypto.randomUUID() as NodeId;
    let edits: SceneEdit[] = [];
    const first = this.#apply(p.layer, (doc) => {
      edits = groupNodes(doc, this.#topSelected(p.layer), { ...this.#opt(), id: group });
      return edits[0]!;
    });
    if (!first) return;
    for (let i = 1; i < edits.length; i++) {
      // Each later edit was planned on the document with the earlier ones applied.
      const e = edits[i]!;
      if (!this.#apply(p.layer, () => e)) return;
    }
    this.session.flush();
    this.select({ layer: p.layer, node: group });
  }

  /** Undo or redo through the server (revert), with the result in the status bar. */
  async undoRedo(which: "undo" | "redo"): Promise<void> {
    const u = this.#undo;
    if (u === null) return;
    if (!this.editable || this.#view !== null) {
      this.#status.error(`${which}: read-only ${this.#view !== null ? "while viewing a past version" : "role"}`);
      return;
    }
    try {
      this.#status.info(`${which}…`);
      const o = which === "undo" ? await u.undo() : await u.redo();
      if (o.kind === "conflicted") this.#status.error(outcomeText(o, which));
      else this.#status.info(outcomeText(o, which));
      void this.#history?.refresh();
    } catch (err) {
      this.#status.error(which, err);
    }
  }

  #copyLink(): void {
    const cam = this.viewport?.cameraPose() ?? null;
    const path = worldPath(this.session.world.id, { camera: cam, select: this.selection?.node ?? null });
    history.replaceState(null, "", path);
    const url = location.origin + path;
    navigator.clipboard.writeText(url).then(
      () => this.#status.info("link copied"),
      () => this.#status.info(`link: ${url}`),
    );
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Mounts the editor for a world. */
export async function mountEditorPage(shell: Shell, api: Api, cred: Credentials, status: Status, id: WorldId, link: DeepLink, base: AtelierHooks): Promise<void> {
  shell.title.replaceChildren(h("h1", { text: "Loading world…" }));
  installHooks({ ...base, page: "editor", worldId: id, ready: () => false });
  let world: World;
  try {
    world = await api.getWorld(id);
  } catch (err) {
    shell.title.replaceChildren(h("h1", { text: "World not available" }));
    shell.main.replaceChildren(h("p", { class: "empty" }, errorText(err), " ", h("a", { href: "/", text: "Back to the worlds" })));
    status.error("opening the world", err);
    installHooks({ ...base, page: "editor", worldId: id });
    return;
  }
  const setName = mountTitle(shell, api, world, status);
  const history = new HistoryApi(api, world.id);
  const editor = new Editor(shell, world, cred, status, setName, () => history.scene(""));
  editor.attachHistory(history);
  installHooks(editor.hooks(base, world));
  await editor.session.open();
  editor.tools.startPresence();
  editor.session.flush();
  editor.render();
  editor.applyLink(link);
}

/**
 * The page title: the world's name, renamable by editors. It returns the
 * function that shows a new name (from the manifest, renamed elsewhere).
 */
function mountTitle(shell: Shell, api: Api, world: World, status: Status): (name: string) => void {
  document.title = `${world.name} · Atelier`;
  const name = h("h1", { class: "world-title", text: world.name });
  const role = h("span", { class: "role", text: world.role });
  const show = (): void => {
    const parts: HTMLElement[] = [name, role];
    if (canEdit(world.role)) {
      const b = h("button", { type: "button", class: "small", text: "Rename" });
      b.addEventListener("click", edit);
      parts.push(b);
    }
    shell.title.replaceChildren(...parts);
  };
  const edit = (): void => {
    const input = h("input", { type: "text", name: "world-name", value: world.name, maxlength: 200, required: true, "aria-label": "World name" });
    const form = h("form", { class: "rename" }, input, h("button", { type: "submit", text: "Save" }), h("button", { type: "button", text: "Cancel", onclick: show }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      api
        .renameWorld(world.id, input.value.trim())
        .then((w) => {
          world.name = w.name;
          name.textContent = w.name;
          document.title = `${w.name} · Atelier`;
          show();
        })
        .catch((err: unknown) => status.error("renaming the world", err));
    });
    shell.title.replaceChildren(form);
    input.select();
  };
  show();
  return (n) => {
    world.name = n;
    name.textContent = n;
    document.title = `${n} · Atelier`;
  };
}
