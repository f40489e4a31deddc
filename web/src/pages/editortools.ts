// The editor's direct-manipulation and collaboration tools (issue 4),
// kept apart from the page (editor.ts) behind a small port: the transform
// gizmo, box select and the multi-selection it makes, outliner drag and
// drop and inline rename, presence (who is here, their selections,
// cameras and "editing" markers) and the edit → repaint latency probe.

import { canEdit, type LayerId } from "../api";
import { installBoxSelect } from "../boxselect";
import { Gizmo } from "../gizmo";
import type { AtelierHooks } from "../hooks";
import { RepaintProbe } from "../latency";
import { Overlays } from "../overlays";
import type { OutlinerEvents, OutlinerState } from "../panels/outliner";
import { planDrop, type DropZone } from "../panels/outlinerdrop";
import { PeersList } from "../panels/peers";
import { colourOf } from "../presence";
import { PresenceChannel } from "../presencechannel";
import { syncDebounceRate } from "../repo";
import { isSceneError, resolvedNode, setProperty, setTransformElement, type NodeId, type SceneEdit } from "../scene";
import type { Repo } from "@automerge/automerge-repo";
import type { Shell } from "../shell";
import type { Status } from "../status";
import type { Pick, Viewport } from "../viewport";
import type { WorldSession } from "../world";

/** What the tools need of the editor page. */
export interface EditorPort {
  readonly session: WorldSession;
  readonly repo: Repo;
  readonly status: Status;
  readonly user: string;
  viewport(): Viewport | null;
  /** Whether edits are allowed now (the role, and not viewing a past version). */
  canEditNow(): boolean;
  /** The primary selection. */
  primary(): Pick | null;
  /** Selects one node (or none) everywhere. */
  select(p: Pick | null): void;
  /** Plans and commits one operation (errors to the status bar). */
  apply(layer: LayerId, plan: (doc: unknown) => SceneEdit): boolean;
  opt(): { author: string };
  /** Redraws on the next frame. */
  schedule(): void;
}

const same = (a: Pick, b: Pick): boolean => a.layer === b.layer && a.node === b.node;

export class EditorTools {
  /** Every selected node, the primary selection first. */
  selected: Pick[] = [];
  readonly #port: EditorPort;
  readonly presence: PresenceChannel;
  readonly #peers = new PeersList();
  readonly probe = new RepaintProbe();
  #gizmo: Gizmo | null = null;
  #overlays: Overlays | null = null;
  #editingField: NodeId | null = null;
  #editingDrag: NodeId | null = null;

  constructor(port: EditorPort) {
    this.#port = port;
    const colour = colourOf(port.user);
    this.presence = new PresenceChannel({ user: port.user, colour, selection: [], camera: null, editing: null }, () => this.#presenceChanged());
  }

  /** The outliner's events beyond select and frame. */
  outlinerEvents(): Omit<OutlinerEvents, "select" | "frame"> {
    return {
      toggle: (p) => this.toggle(p),
      rename: (p, name) => void this.#port.apply(p.layer, (doc) => setProperty(doc, p.node, "name", name, this.#port.opt())),
      drop: (d, t, zone) => this.drop(d, t, zone),
      editing: (p) => this.#setEditingField(p?.node ?? null),
    };
  }

  /** What the outliner shows besides the layers. */
  outlinerState(): OutlinerState {
    return { selected: this.selected, presence: this.presence.book.selectionColours(), editable: this.#port.canEditNow() };
  }

  /** Puts the gizmo, the overlays and box select on the viewport. */
  mountViewport(container: HTMLElement): void {
    const vp = this.#port.viewport();
    if (vp === null) return;
    this.#overlays = new Overlays(vp, container);
    if (canEdit(this.#port.session.world.role)) {
      this.#gizmo = new Gizmo(vp, container, {
        write: (p, changes) => {
          for (const c of changes) {
            if (!this.#port.apply(p.layer, (doc) => setTransformElement(doc, p.node, c.vector, c.index, c.value, this.#port.opt()))) return false;
          }
          return true;
        },
        dragging: (p) => {
          this.#editingDrag = p?.node ?? null;
          this.#publishEditing();
        },
      });
    }
    installBoxSelect(vp, container, (picks, additive) => this.selectMany(picks, additive));
    vp.controls.addEventListener("change", () => this.presence.update({ camera: vp.cameraPose() }));
    vp.afterRender.add(() => {
      const d = this.probe.rendered(Date.now(), this.#port.session.lastRemoteChangeAt);
      if (d !== null) performance.mark("atelier:repaint", { detail: { delay: d } });
    });
  }

  /** Marks the selected node as being edited while a field of the inspector has focus. */
  watchFields(el: HTMLElement): void {
    el.addEventListener("focusin", () => this.#setEditingField(this.#port.primary()?.node ?? null));
    el.addEventListener("focusout", () => this.#setEditingField(null));
  }

  /** Shows who is here in the header. */
  mountHeader(shell: Shell): void {
    shell.header.insertBefore(this.#peers.el, shell.title.nextSibling);
    this.#peers.render(this.presence.state, []);
  }

  /** Starts presence on the world's manifest (after the session opened). */
  startPresence(): void {
    const h = this.#port.session.manifestHandle;
    if (h === null) {
      this.#port.status.error("presence unavailable: the world manifest is not open");
      return;
    }
    const vp = this.#port.viewport();
    this.presence.update({ camera: vp?.cameraPose() ?? null });
    this.presence.attach(h);
    window.addEventListener("pagehide", () => this.presence.detach());
  }

  /** The page selected p (or nothing): the selection becomes just that. */
  selectionChanged(p: Pick | null): void {
    this.selected = p === null ? [] : [p];
    this.#selectionShown();
  }

  /** Selects several nodes (the first is primary); additive keeps the current ones. */
  selectMany(picks: readonly Pick[], additive = false): void {
    const next = additive ? [...this.selected] : [];
    for (const p of picks) if (!next.some((q) => same(q, p))) next.push(p);
    const primary = additive && this.#port.primary() !== null ? this.#port.primary() : (next[0] ?? null);
    this.#port.select(primary);
    this.selected = primary === null ? [] : [primary, ...next.filter((q) => !same(q, primary))];
    this.#selectionShown();
  }

  /** Adds p to the selection or takes it out. */
  toggle(p: Pick): void {
    const has = this.selected.some((q) => same(q, p));
    const rest = this.selected.filter((q) => !same(q, p));
    if (has) {
      this.#port.select(rest[0] ?? null);
      this.selected = rest;
      this.#selectionShown();
    } else {
      this.selectMany([...this.selected, p]);
    }
  }

  /** Moves a dragged outliner row (reparent or reorder); refusals go to the status bar. */
  drop(dragged: Pick, target: Pick, zone: DropZone): void {
    const st = this.#port.status;
    if (dragged.layer !== target.layer) {
      st.error("move refused: nodes cannot be moved between layers");
      return;
    }
    const tree = this.#port.session.layer(dragged.layer)?.tree;
    if (!tree) return;
    const name = (id: NodeId): string => `"${resolvedNode(tree, id)?.name || id}"`;
    let planned: SceneEdit | null = null;
    try {
      planned = planDrop(this.#port.session.layer(dragged.layer)?.handle?.doc(), tree, dragged.node, target.node, zone, this.#port.opt());
    } catch (err) {
      if (isSceneError(err, "WouldCycle")) st.error(`move refused: ${name(target.node)} is inside ${name(dragged.node)} (a node cannot go under its own descendant)`);
      else st.error(`move ${name(dragged.node)}`, err);
      return;
    }
    if (planned === null) return;
    const edit = planned;
    if (this.#port.apply(dragged.layer, () => edit)) st.info(`moved ${name(dragged.node)} ${zone === "inside" ? "into" : zone} ${name(target.node)}`);
  }

  /** After each page render: the selection loses deleted nodes, the gizmo follows the primary selection. */
  afterRender(): void {
    const s = this.#port.session;
    const kept = this.selected.filter((p) => s.layer(p.layer)?.tree?.nodes[p.node] !== undefined);
    if (kept.length !== this.selected.length) {
      this.selected = kept;
      this.#selectionShown();
    }
    this.#gizmo?.attach(this.#port.canEditNow() ? this.#port.primary() : null);
    this.#port.viewport()?.renderNow(); // in the frame the page was drawn in
  }

  /** Test hooks. */
  hooks(): Partial<AtelierHooks> {
    return {
      selectedNodes: () => this.selected.map((p) => p.node),
      selectNodes: (nodes) => {
        const picks: Pick[] = [];
        for (const n of nodes) {
          const l = this.#port.session.layerOf(n);
          if (l === undefined) return false;
          picks.push({ layer: l.id, node: n as NodeId });
        }
        this.selectMany(picks);
        return true;
      },
      peers: () => this.presence.peers().map((p) => ({ user: p.user, colour: p.colour, selection: p.selection, editing: p.editing, camera: p.camera })),
      lastRepaintAt: () => this.probe.lastRepaintAt,
      repaintDelays: () => this.probe.delays(),
      syncDebounceRate: () => syncDebounceRate(this.#port.repo) ?? -1,
      gizmo: () =>
        this.#gizmo === null
          ? null
          : { mode: this.#gizmo.mode, attached: this.#gizmo.controls.object?.name ?? null, dragging: this.#gizmo.dragging, writes: this.#gizmo.writes, axis: this.#gizmo.controls.axis },
      setGizmoMode: (m) => void this.#gizmo?.setMode(m),
      overlayOutlines: () => this.#overlays?.outlineCount() ?? 0,
    };
  }

  #selectionShown(): void {
    this.#overlays?.setSelection(this.selected);
    this.presence.update({ selection: this.selected.map((p) => p.node) });
    this.#port.schedule();
  }

  #setEditingField(node: NodeId | null): void {
    this.#editingField = node;
    this.#publishEditing();
  }

  #publishEditing(): void {
    this.presence.update({ editing: this.#editingDrag ?? this.#editingField });
  }

  #presenceChanged(): void {
    const s = this.#port.session;
    const peers = this.presence.peers();
    this.#peers.render(this.presence.state, peers);
    this.#overlays?.setPeers(peers, (node) => {
      const l = s.layerOf(node);
      return l ? { layer: l.id, node: node as NodeId } : null;
    });
    this.#port.schedule();
  }
}
