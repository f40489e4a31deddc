// The layers panel: the world's layers in manifest order, each shown or
// hidden, loaded or unloaded, and the active one (where "Add node" puts a
// node when nothing is selected).

import type { LayerId } from "../api";
import { h } from "../dom";
import type { LayerView } from "../world";

export interface LayersEvents {
  setVisible(id: LayerId, visible: boolean): void;
  setLoaded(id: LayerId, loaded: boolean): void;
  activate(id: LayerId): void;
}

export class LayersPanel {
  readonly el: HTMLElement;
  readonly #events: LayersEvents;

  constructor(events: LayersEvents) {
    this.#events = events;
    this.el = h("ul", { class: "layers", "aria-label": "Layers" });
  }

  render(layers: readonly LayerView[], active: LayerId | null): void {
    this.el.replaceChildren(
      ...layers.map((l) => {
        const visible = h("input", { type: "checkbox", title: "Show in the viewport", "aria-label": `Show ${l.name}` });
        visible.checked = l.visible;
        visible.addEventListener("change", () => this.#events.setVisible(l.id, visible.checked));
        const load = h("button", {
          type: "button",
          class: "small",
          text: l.loaded ? "Unload" : "Load",
          title: l.loaded ? "Drop this layer's document from memory and stop syncing it" : "Open this layer's document",
        });
        load.addEventListener("click", () => this.#events.setLoaded(l.id, !l.loaded));
        const name = h("button", {
          type: "button",
          class: `layer-name${l.id === active ? " active" : ""}`,
          title: "Make this the layer new nodes go to",
          text: l.name || "(unnamed layer)",
          disabled: !l.loaded,
        });
        name.addEventListener("click", () => this.#events.activate(l.id));
        const state = !l.loaded ? "unloaded" : !l.ready ? (l.preview ? `${Object.keys(l.tree?.nodes ?? {}).length} nodes, arriving… (read-only)` : "loading…") : l.error !== "" ? "error" : `${Object.keys(l.tree?.nodes ?? {}).length} nodes`;
        return h(
          "li",
          { "data-layer": l.id, class: l.error !== "" ? "layer error" : "layer", title: l.error },
          visible,
          name,
          h("span", { class: "layer-state", text: state }),
          load,
        );
      }),
    );
  }
}
