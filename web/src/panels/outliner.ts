// The outliner: every loaded layer's resolved tree, depth first in sibling
// order, as the scene library's resolve places it (orphans and the nodes
// that break a cycle are marked). A click selects (ctrl/cmd-click adds or
// removes); a double click renames the node in place (or frames it, for
// viewers). Editors drag a row onto another: onto its middle to make it a
// child, onto its top or bottom edge to place it before or after
// (outlinerdrop.ts). The search box filters rows by name (matches and
// their ancestors are listed). A coloured dot marks the nodes other peers
// have selected.

import type { LayerId } from "../api";
import { h } from "../dom";
import { walk, ROOT, type NodeId, type Tree } from "../scene";
import type { Pick } from "../viewport";
import type { LayerView } from "../world";
import { dropZone, type DropZone } from "./outlinerdrop";

/** Rows drawn per layer; the rest are counted (the list is not virtualized yet). */
export const MAX_ROWS_PER_LAYER = 2000;

/** What the outliner tells the page. */
export interface OutlinerEvents {
  select(p: Pick): void;
  frame(p: Pick): void;
  /** Ctrl/cmd-click: add to or remove from the selection. */
  toggle?(p: Pick): void;
  rename?(p: Pick, name: string): void;
  /** A row dropped onto another. */
  drop?(dragged: Pick, target: Pick, zone: DropZone): void;
  /** Typing in a row's name started (the node) or ended (null). */
  editing?(p: Pick | null): void;
}

/** What a render shows besides the layers. */
export interface OutlinerState {
  /** Every selected node (the primary one included). */
  selected?: readonly Pick[];
  /** Node id → colours of the peers who have it selected. */
  presence?: ReadonlyMap<string, readonly string[]>;
  /** Whether rows can be dragged and renamed. */
  editable?: boolean;
}

const DRAG_TYPE = "application/x-atelier-node";

export class Outliner {
  /** The panel: the search box and the tree. */
  readonly el: HTMLElement;
  readonly #tree: HTMLElement;
  readonly #search: HTMLInputElement;
  readonly #events: OutlinerEvents;
  #last: [readonly LayerView[], Pick | null, OutlinerState] | null = null;
  #busy: "rename" | "drag" | null = null;
  #dragged: Pick | null = null;
  #dropRow: HTMLElement | null = null;

  constructor(events: OutlinerEvents) {
    this.#events = events;
    this.#tree = h("div", { class: "outliner", role: "tree", "aria-label": "Outliner" });
    this.#search = h("input", { type: "search", name: "outliner-search", placeholder: "Filter by name", "aria-label": "Filter the outliner by name" });
    this.#search.addEventListener("input", () => this.#rerender());
    this.el = h("div", { class: "outliner-panel" }, this.#search, this.#tree);
    this.#tree.addEventListener("click", (e) => {
      const p = pickOf(e.target);
      if (p === null || this.#busy === "rename") return;
      if ((e.ctrlKey || e.metaKey) && this.#events.toggle) this.#events.toggle(p);
      else this.#events.select(p);
    });
    this.#tree.addEventListener("dblclick", (e) => {
      const p = pickOf(e.target);
      if (p === null) return;
      if (this.#last?.[2].editable && this.#events.rename) this.#startRename(p);
      else this.#events.frame(p);
    });
    this.#installDrag();
  }

  render(layers: readonly LayerView[], selection: Pick | null, state: OutlinerState = {}): void {
    this.#last = [layers, selection, state];
    if (this.#busy !== null) return; // drawn when the rename or drag ends
    const selected = state.selected ?? (selection ? [selection] : []);
    const isSelected = (l: LayerId, id: NodeId): boolean => selected.some((p) => p.layer === l && p.node === id);
    const filter = this.#search.value.trim().toLowerCase();
    const out: HTMLElement[] = [];
    for (const l of layers) {
      if (!l.loaded) continue;
      out.push(h("div", { class: `outliner-layer${l.visible ? "" : " hidden-layer"}`, text: l.name || "(unnamed layer)" }));
      if (l.tree === null) {
        out.push(h("div", { class: "outliner-note", text: l.ready ? `not readable: ${l.error}` : "loading…" }));
        continue;
      }
      if (l.tree.roots.length === 0) out.push(h("div", { class: "outliner-note", text: "empty layer" }));
      const tree = l.tree;
      const shown = filter === "" ? null : matching(tree, filter);
      if (shown !== null && shown.size === 0) out.push(h("div", { class: "outliner-note", text: "no match" }));
      let rows = 0;
      walk(tree, (id, depth) => {
        if (shown !== null && !shown.has(id)) return;
        if (rows++ >= MAX_ROWS_PER_LAYER) return;
        const n = tree.nodes[id]!;
        const r = row(l.id, id, n.name, n.kind, depth, isSelected(l.id, id), n.orphan, n.cycleBroken, n.warnings?.length ?? 0, state.presence?.get(id) ?? []);
        if (shown !== null && !n.name.toLowerCase().includes(filter)) r.classList.add("context");
        if (state.editable) r.draggable = true;
        out.push(r);
      });
      if (rows > MAX_ROWS_PER_LAYER) {
        out.push(h("div", { class: "outliner-note", text: `… ${rows - MAX_ROWS_PER_LAYER} more nodes not listed` }));
      }
    }
    this.#tree.replaceChildren(...out);
    this.#tree.querySelector(".selected")?.scrollIntoView({ block: "nearest" });
  }

  #rerender(): void {
    if (this.#last !== null) this.render(...this.#last);
  }

  #startRename(p: Pick): void {
    const r = this.#rowOf(p);
    const nameEl = r?.querySelector<HTMLElement>(".name");
    if (!r || !nameEl) return;
    const old = this.#nameOf(p);
    const input = h("input", { type: "text", class: "rename-node", name: "node-name", value: old, maxlength: 1000, "aria-label": "Node name" });
    this.#busy = "rename";
    this.#events.editing?.(p);
    let done = false;
    const finish = (commit: boolean): void => {
      if (done) return;
      done = true;
      this.#busy = null;
      this.#events.editing?.(null);
      if (commit && input.value !== old) this.#events.rename?.(p, input.value);
      this.#rerender();
    };
    input.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (e.key === "Enter") finish(true);
      else if (e.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
    input.addEventListener("click", (e) => e.stopPropagation());
    input.addEventListener("dblclick", (e) => e.stopPropagation());
    nameEl.replaceWith(input);
    input.focus();
    input.select();
  }

  #nameOf(p: Pick): string {
    const l = this.#last?.[0].find((x) => x.id === p.layer);
    return l?.tree?.nodes[p.node]?.name ?? "";
  }

  #rowOf(p: Pick): HTMLElement | null {
    return this.#tree.querySelector<HTMLElement>(`.node-row[data-layer="${CSS.escape(p.layer)}"][data-node="${CSS.escape(p.node)}"]`);
  }

  #installDrag(): void {
    const t = this.#tree;
    t.addEventListener("dragstart", (e) => {
      const p = pickOf(e.target);
      if (p === null || !this.#last?.[2].editable) return;
      this.#dragged = p;
      this.#busy = "drag";
      e.dataTransfer?.setData(DRAG_TYPE, `${p.layer}/${p.node}`);
      e.dataTransfer?.setData("text/plain", p.node);
      if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
    });
    t.addEventListener("dragover", (e) => {
      const target = this.#dropTarget(e);
      this.#mark(target?.row ?? null, target?.zone ?? null);
      if (target !== null) {
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
      }
    });
    t.addEventListener("dragleave", (e) => {
      if (e.target === this.#dropRow) this.#mark(null, null);
    });
    t.addEventListener("drop", (e) => {
      const target = this.#dropTarget(e);
      const dragged = this.#dragged;
      e.preventDefault();
      this.#endDrag();
      if (target !== null && dragged !== null) this.#events.drop?.(dragged, target.pick, target.zone);
    });
    t.addEventListener("dragend", () => this.#endDrag());
  }

  #dropTarget(e: DragEvent): { row: HTMLElement; pick: Pick; zone: DropZone } | null {
    const row = e.target instanceof Element ? e.target.closest<HTMLElement>(".node-row") : null;
    const pick = pickOf(row);
    if (row === null || pick === null || this.#dragged === null) return null;
    if (pick.layer === this.#dragged.layer && pick.node === this.#dragged.node) return null;
    const rect = row.getBoundingClientRect();
    return { row, pick, zone: dropZone(e.clientY - rect.top, rect.height) };
  }

  #mark(row: HTMLElement | null, zone: DropZone | null): void {
    if (this.#dropRow !== null && this.#dropRow !== row) this.#dropRow.classList.remove("drop-before", "drop-inside", "drop-after");
    this.#dropRow = row;
    if (row !== null && zone !== null) {
      row.classList.remove("drop-before", "drop-inside", "drop-after");
      row.classList.add(`drop-${zone}`);
    }
  }

  #endDrag(): void {
    this.#mark(null, null);
    this.#dragged = null;
    if (this.#busy === "drag") {
      this.#busy = null;
      this.#rerender();
    }
  }
}

/** The nodes whose name contains filter, and their ancestors (for context). */
function matching(tree: Tree, filter: string): Set<NodeId> {
  const shown = new Set<NodeId>();
  for (const n of Object.values(tree.nodes)) {
    if (!n.name.toLowerCase().includes(filter)) continue;
    for (let id: NodeId = n.id; id !== ROOT && !shown.has(id); id = tree.nodes[id]?.parent ?? ROOT) shown.add(id);
  }
  return shown;
}

function row(
  layer: LayerId, id: NodeId, name: string, kind: string, depth: number, selected: boolean,
  orphan: boolean, cycleBroken: boolean, warnings: number, peers: readonly string[],
): HTMLElement {
  return h(
    "div",
    {
      class: `node-row${selected ? " selected" : ""}`,
      role: "treeitem",
      "aria-selected": selected ? "true" : "false",
      "data-layer": layer,
      "data-node": id,
      style: `padding-left: ${0.5 + depth * 1.1}rem`,
      title: id,
    },
    h("span", { class: `kind kind-${kind}`, text: kindIcon(kind) }),
    h("span", { class: "name", text: name || "(unnamed)" }),
    ...peers.map((c) => h("span", { class: "peer-dot", style: `background: ${c}`, title: "selected by someone else" })),
    orphan ? h("span", { class: "badge", title: "its parent is missing", text: "orphan" }) : null,
    cycleBroken ? h("span", { class: "badge", title: "its parents formed a cycle", text: "cycle" }) : null,
    warnings > 0 ? h("span", { class: "badge warn", title: `${warnings} warnings`, text: "!" }) : null,
  );
}

function kindIcon(kind: string): string {
  switch (kind) {
    case "mesh":
      return "▣";
    case "light":
      return "✹";
    case "camera":
      return "◩";
    case "group":
      return "▤";
    default:
      return "✢";
  }
}

function pickOf(target: EventTarget | null): Pick | null {
  const el = target instanceof Element ? target.closest<HTMLElement>(".node-row") : null;
  const layer = el?.dataset["layer"];
  const node = el?.dataset["node"];
  return layer && node ? { layer: layer as LayerId, node: node as NodeId } : null;
}
