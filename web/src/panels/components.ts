// The inspector's asset field and component list: the selected node's
// asset (a model URL, or any string), its components with their fields
// (numbers, strings and booleans editable in place; other values shown as
// JSON), a component added by name, removed, and a field added with a
// type. Each committed edit is one scene operation (setProperty "asset",
// addComponent, removeComponent, setComponentProperty). The panel is
// rebuilt when the node, its component layout or the role changes, and
// otherwise only refreshes the fields not being typed in.

import { h } from "../dom";
import type { PlainValue, ResolvedNode } from "../scene";

/** What the panel asks the page to write. */
export interface ComponentsEvents {
  setAsset(asset: string): void;
  addComponent(name: string): void;
  removeComponent(name: string): void;
  setField(component: string, key: string, value: string | number | boolean): void;
}

/** The editable types of a field. */
export type FieldType = "number" | "string" | "boolean";

/** The input type of a value, or null when it is not editable in place. */
export function fieldType(v: PlainValue | undefined): FieldType | null {
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "boolean";
  return null;
}

/** Parses what was typed for a field of a type; undefined when it is not valid. */
export function parseField(type: FieldType, text: string, checked = false): string | number | boolean | undefined {
  if (type === "boolean") return checked;
  if (type === "string") return text;
  const n = text.trim() === "" ? NaN : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export class ComponentsPanel {
  readonly el: HTMLElement;
  readonly #events: ComponentsEvents;
  #layout = ""; // node id, role and component/field names the DOM was built for
  #node: ResolvedNode | null = null;
  #asset: HTMLInputElement | null = null;
  #fields = new Map<string, HTMLInputElement>(); // "component\u0000key" → input

  constructor(events: ComponentsEvents) {
    this.#events = events;
    this.el = h("div", { class: "components", "aria-label": "Components" });
  }

  /** Shows a node's asset and components (nothing for null). */
  render(n: ResolvedNode | null, canEdit: boolean): void {
    this.#node = n;
    const layout = n === null ? "" : JSON.stringify([n.id, canEdit, Object.entries(n.components).map(([c, f]) => [c, Object.entries(f ?? {}).map(([k, v]) => [k, fieldType(v)])])]);
    if (layout !== this.#layout) {
      this.#layout = layout;
      this.#build(n, canEdit);
    }
    if (n === null) return;
    idle(this.#asset!, n.asset);
    for (const [name, fields] of Object.entries(n.components)) {
      for (const [key, v] of Object.entries(fields ?? {})) {
        const input = this.#fields.get(`${name}\u0000${key}`);
        if (input === undefined) continue;
        if (input.type === "checkbox") input.checked = v === true;
        else idle(input, String(v));
      }
    }
  }

  #build(n: ResolvedNode | null, canEdit: boolean): void {
    this.#fields.clear();
    this.#asset = null;
    if (n === null) {
      this.el.replaceChildren();
      return;
    }
    const disabled = !canEdit;
    this.#asset = h("input", { type: "text", name: "asset", disabled, placeholder: "e.g. /assets/crate.glb", "aria-label": "Asset" });
    this.#asset.addEventListener("change", () => {
      if (this.#asset!.value !== this.#node?.asset) this.#events.setAsset(this.#asset!.value.trim());
    });
    const comps = Object.entries(n.components).map(([name, fields]) => this.#component(name, fields ?? {}, disabled));
    const addName = h("input", { type: "text", name: "component-name", placeholder: "component name", disabled, "aria-label": "New component name" });
    const add = h("form", { class: "add-component" }, addName, h("button", { type: "submit", text: "Add component", disabled }));
    add.addEventListener("submit", (e) => {
      e.preventDefault();
      const name = addName.value.trim();
      if (name !== "") this.#events.addComponent(name);
    });
    this.el.replaceChildren(
      h("div", { class: "field" }, h("label", { text: "Asset" }), this.#asset),
      h("h3", { text: "Components" }),
      comps.length === 0 ? h("p", { class: "empty", text: "No components." }) : "",
      ...comps,
      add,
    );
  }

  #component(name: string, fields: Record<string, PlainValue>, disabled: boolean): HTMLElement {
    const remove = h("button", { type: "button", class: "small remove-component", text: "Remove", disabled, title: `Remove ${name}` });
    remove.addEventListener("click", () => this.#events.removeComponent(name));
    const rows = Object.entries(fields).map(([key, v]) => this.#field(name, key, v, disabled));
    return h(
      "fieldset",
      { class: "component", "data-component": name },
      h("legend", {}, h("span", { text: name }), " ", remove),
      ...rows,
      this.#addField(name, disabled),
    );
  }

  #field(component: string, key: string, v: PlainValue, disabled: boolean): HTMLElement {
    const type = fieldType(v);
    const label = h("label", { text: key });
    if (type === null) {
      return h("div", { class: "field" }, label, h("code", { class: "json", text: json(v) }));
    }
    const input = h("input", {
      type: type === "number" ? "number" : type === "boolean" ? "checkbox" : "text",
      step: type === "number" ? "any" : null,
      name: `${component}.${key}`,
      disabled,
      "aria-label": `${component} ${key}`,
    });
    input.addEventListener("change", () => {
      const value = parseField(type, input.value, input.checked);
      if (value === undefined) {
        input.setCustomValidity("a finite number");
        input.reportValidity();
        return;
      }
      input.setCustomValidity("");
      if (value !== this.#node?.components[component]?.[key]) this.#events.setField(component, key, value);
    });
    this.#fields.set(`${component}\u0000${key}`, input);
    return h("div", { class: "field" }, label, input);
  }

  #addField(component: string, disabled: boolean): HTMLElement {
    const key = h("input", { type: "text", name: "field-key", placeholder: "field", disabled, "aria-label": `New ${component} field` });
    const type = h("select", { name: "field-type", disabled, "aria-label": "Field type" });
    type.append(...(["number", "string", "boolean"] as const).map((t) => h("option", { value: t, text: t })));
    const value = h("input", { type: "text", name: "field-value", placeholder: "value", disabled, "aria-label": "Field value" });
    const form = h("form", { class: "add-field" }, key, type, value, h("button", { type: "submit", class: "small", text: "Set", disabled }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const t = type.value as FieldType;
      const v = parseField(t, value.value, value.value === "true");
      if (key.value.trim() === "" || v === undefined) {
        value.setCustomValidity(t === "number" ? "a finite number" : "");
        value.reportValidity();
        return;
      }
      value.setCustomValidity("");
      this.#events.setField(component, key.value.trim(), v);
    });
    return form;
  }
}

function idle(input: HTMLInputElement, value: string): void {
  if (document.activeElement !== input && input.value !== value) input.value = value;
}

function json(v: PlainValue): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? `<${x.length} bytes>` : x));
  } catch {
    return String(v);
  }
}
