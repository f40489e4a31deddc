// A world's editor ("/worlds/{id}"): the world loaded over the API, its
// manifest and layer documents opened through the Repo (a peer of the
// server like any automerge-repo client), a 3D viewport, the layers
// panel, the outliner and the inspector. Every document change, local or
// remote, redraws what it touches (once per frame). The deep link
// ?camera=…&select=… is applied once the layers have loaded.

import type { Repo } from "@automerge/automerge-repo";
import { canEdit, errorText, type Api, type Credentials, type LayerId, type World, type WorldId } from "../api";
import { worldPath, type DeepLink } from "../deeplink";
import { h } from "../dom";
import { installHooks, type AtelierHooks } from "../hooks";
import { Inspector } from "../panels/inspector";
import { LayersPanel } from "../panels/layers";
import { Outliner } from "../panels/outliner";
import { openRepo } from "../repo";
import {
  createNode, deleteSubtree, identityTransform, Kind, resolvedNode, ROOT, setProperty, setTransformElement,
  type NodeId, type SceneEdit, type Transform,
} from "../scene";
import type { Shell } from "../shell";
import type { Status } from "../status";
import { Viewport, type Pick } from "../viewport";
import { WorldSession, type WorldChange } from "../world";

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
  /** The initial layers are in and the deep link was applied. */
  settled = false;

  constructor(shell: Shell, world: World, cred: Credentials, status: Status, onName: (name: string) => void) {
    this.#status = status;
    this.#onName = onName;
    this.#user = cred.user || "local";
    this.editable = canEdit(world.role);
    this.repo = openRepo(location, cred, {
      state: (s, detail) => status.setConnection(s, detail),
      refused: (detail) => status.error(`the server closed the sync connection (${detail})`),
    });
    this.session = new WorldSession(this.repo, world, (c) => this.#changed(c), (ctx, err) => status.error(ctx, err));
    this.#layers = new LayersPanel({
      setVisible: (id, v) => this.session.setVisible(id, v),
      setLoaded: (id, loaded) => void (loaded ? this.session.loadLayer(id) : this.session.unloadLayer(id)),
      activate: (id) => {
        this.active = id;
        this.#schedule();
      },
    });
    this.#outliner = new Outliner({ select: (p) => this.select(p), frame: (p) => this.viewport?.frame(p) });
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
    } catch (err) {
      viewportEl.append(h("p", { class: "no-webgl", text: `No 3D view: ${errorText(err)}` }));
      status.error("the 3D viewport is unavailable (WebGL)", err);
    }
    document.addEventListener("keydown", (e) => this.#key(e));
    // Save what IndexedDB does not have yet. A failure cannot be shown any
    // more (the page is going); the server has every change already sent.
    window.addEventListener("pagehide", () => void this.repo.flush().catch(() => {}));
  }

  /** Selects a node (null: nothing) everywhere, and puts it in the address. */
  select(p: Pick | null): void {
    this.selection = p;
    if (p !== null) this.active = p.layer;
    this.viewport?.select(p);
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
    if (this.#apply(p.layer, (doc) => deleteSubtree(doc, p.node, this.#opt()))) this.select(null);
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
          id: l.id, name: l.name, loaded: l.loaded, ready: l.ready, visible: l.visible,
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
    return this.session.edit(layer, plan);
  }

  #changed(c: WorldChange): void {
    if (c.kind === "manifest") {
      if (this.session.manifest !== null && this.session.manifest.name !== "") this.#onName(this.session.manifest.name);
    } else {
      this.#pendingLayers.add(c.layer);
    }
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
    for (const id of this.#pendingLayers) {
      const l = s.layer(id);
      if (l?.tree != null) {
        this.viewport?.setLayer(id, l.tree);
        this.viewport?.setLayerVisible(id, l.visible);
      } else {
        this.viewport?.removeLayer(id);
      }
    }
    this.#pendingLayers.clear();
    if (this.selection !== null && s.layer(this.selection.layer)?.tree?.nodes[this.selection.node] === undefined) {
      this.select(null); // deleted, here or by someone else
    }
    if (this.active !== null && !s.layer(this.active)?.loaded) this.active = null;
    this.#layers.render(s.layers, this.active ?? s.layers.find((l) => l.tree !== null)?.id ?? null);
    this.#outliner.render(s.layers, this.selection);
    const p = this.selection;
    const layer = p ? s.layer(p.layer) : undefined;
    const node = p && layer?.tree ? (resolvedNode(layer.tree, p.node) ?? null) : null;
    const parentName = node && layer?.tree ? (resolvedNode(layer.tree, node.parent)?.name ?? "") : "";
    this.#inspector.render(node, layer?.name ?? "", this.editable, parentName);
    this.#deleteButton.disabled = !this.editable || node === null;
    this.#addChild.disabled = !this.editable || node === null;
  }

  #key(e: KeyboardEvent): void {
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.key === "Delete" || e.key === "Backspace") {
      if (this.selection !== null && this.editable) {
        e.preventDefault();
        this.deleteSelected();
      }
    } else if (e.key === "Escape") {
      this.select(null);
    } else if (e.key === "f" && !e.ctrlKey && !e.metaKey) {
      this.viewport?.frame(this.selection ?? undefined);
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
  const editor = new Editor(shell, world, cred, status, setName);
  installHooks(editor.hooks(base, world));
  await editor.session.open();
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
