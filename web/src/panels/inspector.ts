// The inspector: the selected node's name, kind and transform, editable
// when the user may edit. Each committed field (Enter, or leaving it) is
// one operation. A remote change updates the fields, except the one being
// typed in.

import { h } from "../dom";
import { Kind, type ResolvedNode, type Vector as TransformVector } from "../scene";

/** What the inspector asks the page to write. */
export interface InspectorEvents {
  rename(name: string): void;
  setKind(kind: string): void;
  setTransform(vector: TransformVector, index: number, value: number): void;
}

const KINDS: readonly string[] = Object.values(Kind);
const VECTORS: ReadonlyArray<[TransformVector, string, readonly string[]]> = [
  ["t", "Position", ["x", "y", "z"]],
  ["r", "Rotation (quaternion)", ["x", "y", "z", "w"]],
  ["s", "Scale", ["x", "y", "z"]],
];

export class Inspector {
  readonly el: HTMLElement;
  readonly #events: InspectorEvents;
  #shown = ""; // "layer/node" the fields belong to, "" when empty
  #node: ResolvedNode | null = null; // as last rendered
  #name: HTMLInputElement | null = null;
  #kind: HTMLSelectElement | null = null;
  #numbers = new Map<string, HTMLInputElement>(); // "t0" → input
  #warnings: HTMLElement | null = null;
  #placement: HTMLElement | null = null;

  constructor(events: InspectorEvents) {
    this.#events = events;
    this.el = h("div", { class: "inspector", "aria-label": "Inspector" });
    this.render(null, "", "");
  }

  /**
   * Shows a node (or nothing), keeping the field being edited as typed.
   * readOnly says why the fields cannot be edited ("" when they can).
   */
  render(n: ResolvedNode | null, layerName: string, readOnly: string, parentName = ""): void {
    const key = n ? `${layerName}/${n.id}/${readOnly}` : "";
    if (key !== this.#shown || this.#name === null) {
      this.#build(n, layerName, readOnly);
      this.#shown = key;
    }
    this.#node = n;
    if (n === null) return;
    setIfIdle(this.#name!, n.name);
    this.#fillKinds(n.kind);
    for (const [vec] of VECTORS) {
      n.transform[vec].forEach((v, i) => setIfIdle(this.#numbers.get(vec + i)!, String(v)));
    }
    this.#placement!.textContent = placement(n, parentName);
    this.#warnings!.replaceChildren(...(n.warnings ?? []).map((w) => h("li", { text: w })));
  }

  #build(n: ResolvedNode | null, layerName: string, readOnly: string): void {
    this.#numbers.clear();
    if (n === null) {
      this.#name = this.#kind = null;
      this.el.replaceChildren(h("p", { class: "empty", text: "Nothing selected. Click a node in the viewport or the outliner." }));
      return;
    }
    const disabled = readOnly !== "";
    this.#name = h("input", { type: "text", name: "name", maxlength: 1000, disabled, "aria-label": "Name" });
    this.#name.addEventListener("change", () => {
      if (this.#name!.value !== this.#node?.name) this.#events.rename(this.#name!.value);
    });
    this.#kind = h("select", { name: "kind", disabled, "aria-label": "Kind" });
    this.#kind.addEventListener("change", () => {
      if (this.#kind!.value !== this.#node?.kind) this.#events.setKind(this.#kind!.value);
    });
    const grids = VECTORS.map(([vec, label, axes]) =>
      h(
        "fieldset",
        { class: `vector vector-${vec}` },
        h("legend", { text: label }),
        ...axes.map((axis, i) => {
          const input = h("input", { type: "number", step: "any", name: `${vec}${i}`, disabled, "aria-label": `${label} ${axis}` });
          input.addEventListener("change", () => this.#commitNumber(vec, i, input));
          this.#numbers.set(vec + i, input);
          return h("label", {}, h("span", { text: axis }), input);
        }),
      ),
    );
    this.#placement = h("p", { class: "placement" });
    this.#warnings = h("ul", { class: "warnings" });
    this.el.replaceChildren(
      h("div", { class: "field" }, h("label", { text: "Id" }), h("code", { class: "node-id", text: n.id })),
      h("div", { class: "field" }, h("label", { text: "Layer" }), h("span", { text: layerName })),
      h("div", { class: "field" }, h("label", { text: "Name" }), this.#name),
      h("div", { class: "field" }, h("label", { text: "Kind" }), this.#kind),
      ...grids,
      this.#placement,
      this.#warnings,
    );
    if (readOnly !== "") this.el.append(h("p", { class: "read-only", text: `Read only: ${readOnly}` }));
  }

  #commitNumber(vec: TransformVector, i: number, input: HTMLInputElement): void {
    const v = input.valueAsNumber;
    if (!Number.isFinite(v)) {
      input.setCustomValidity("a finite number");
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    if (v !== this.#node?.transform[vec][i]) this.#events.setTransform(vec, i, v);
  }

  #fillKinds(kind: string): void {
    const sel = this.#kind!;
    const kinds = KINDS.includes(kind) ? KINDS : [...KINDS, kind];
    if (sel.options.length !== kinds.length) {
      sel.replaceChildren(...kinds.map((k) => h("option", { value: k, text: k })));
    }
    if (document.activeElement !== sel) sel.value = kind;
  }
}

/** Sets an input's value unless the user is typing in it. */
function setIfIdle(input: HTMLInputElement, value: string): void {
  if (document.activeElement === input) return;
  if (input.value !== value) input.value = value;
}

function placement(n: ResolvedNode, parentName: string): string {
  if (n.orphan) return `Orphan: its parent ${n.declaredParent ?? ""} is missing; shown at the layer root.`;
  if (n.cycleBroken) return `Its parents form a cycle (declared parent ${n.declaredParent ?? ""}); shown at the layer root.`;
  if (n.parent === "") return "At the layer root.";
  return `Child of ${parentName !== "" ? `"${parentName}"` : n.parent}.`;
}
