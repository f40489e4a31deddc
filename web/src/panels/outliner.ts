// The outliner: every loaded layer's resolved tree, depth first in sibling
// order, as the scene library's resolve places it (orphans and the nodes
// that break a cycle are marked). A click selects; a double click frames
// the node in the viewport.

import type { LayerId } from "../api";
import { h } from "../dom";
import { walk, type NodeId } from "../scene";
import type { Pick } from "../viewport";
import type { LayerView } from "../world";

/** Rows drawn per layer; the rest are counted (the list is not virtualized yet). */
export const MAX_ROWS_PER_LAYER = 2000;

/** What the outliner tells the page. */
export interface OutlinerEvents {
  select(p: Pick): void;
  frame(p: Pick): void;
}

export class Outliner {
  readonly el: HTMLElement;
  readonly #events: OutlinerEvents;

  constructor(events: OutlinerEvents) {
    this.#events = events;
    this.el = h("div", { class: "outliner", role: "tree", "aria-label": "Outliner" });
    this.el.addEventListener("click", (e) => {
      const p = pickOf(e.target);
      if (p !== null) this.#events.select(p);
    });
    this.el.addEventListener("dblclick", (e) => {
      const p = pickOf(e.target);
      if (p !== null) this.#events.frame(p);
    });
  }

  render(layers: readonly LayerView[], selection: Pick | null): void {
    const out: HTMLElement[] = [];
    for (const l of layers) {
      if (!l.loaded) continue;
      out.push(h("div", { class: `outliner-layer${l.visible ? "" : " hidden-layer"}`, text: l.name || "(unnamed layer)" }));
      if (l.tree === null) {
        out.push(h("div", { class: "outliner-note", text: l.ready ? `not readable: ${l.error}` : "loading…" }));
        continue;
      }
      if (l.tree.roots.length === 0) out.push(h("div", { class: "outliner-note", text: "empty layer" }));
      let rows = 0;
      const total = Object.keys(l.tree.nodes).length;
      const tree = l.tree;
      walk(tree, (id, depth) => {
        if (rows++ >= MAX_ROWS_PER_LAYER) return;
        const n = tree.nodes[id]!;
        const selected = selection?.layer === l.id && selection.node === id;
        out.push(row(l.id, id, n.name, n.kind, depth, selected, n.orphan, n.cycleBroken, n.warnings?.length ?? 0));
      });
      if (total > MAX_ROWS_PER_LAYER) {
        out.push(h("div", { class: "outliner-note", text: `… ${total - MAX_ROWS_PER_LAYER} more nodes not listed` }));
      }
    }
    this.el.replaceChildren(...out);
    this.el.querySelector(".selected")?.scrollIntoView({ block: "nearest" });
  }
}

function row(layer: LayerId, id: NodeId, name: string, kind: string, depth: number, selected: boolean, orphan: boolean, cycleBroken: boolean, warnings: number): HTMLElement {
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
