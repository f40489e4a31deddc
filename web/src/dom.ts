// A tiny DOM builder: the shell is plain TypeScript and DOM, no framework.

/** Attributes h understands: "class", "text", data-* and on* handlers, and any other attribute. */
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** A child: a node, text, or nothing. */
export type Child = Node | string | null | undefined | false;

/**
 * Creates an element. Boolean attributes are set when true and left out
 * when false; a function under "onclick" etc. becomes a listener.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") {
      el.addEventListener(k.replace(/^on/, ""), v);
    } else if (k === "class") {
      el.className = String(v);
    } else if (k === "text") {
      el.textContent = String(v);
    } else if (k === "value" && (el instanceof HTMLInputElement || el instanceof HTMLSelectElement)) {
      el.value = String(v);
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c);
  }
  return el;
}
