// The editor's keyboard shortcuts: which key does what (shortcutFor, pure)
// and the listener that runs the action. Keys typed into a text field, a
// select or anything contenteditable are left to it.

/** What a shortcut does. */
export type ShortcutAction = "delete" | "duplicate" | "group" | "focus" | "deselect" | "undo" | "redo";

/** The parts of a keyboard event shortcutFor reads. */
export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The action of a key press, or null. Ctrl and Cmd are the same. */
export function shortcutFor(e: KeyLike): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key.toLowerCase();
  if (e.altKey) return null;
  if (mod) {
    if (k === "z") return e.shiftKey ? "redo" : "undo";
    if (k === "y" && !e.shiftKey) return "redo";
    if (k === "d" && !e.shiftKey) return "duplicate";
    if (k === "g" && !e.shiftKey) return "group";
    return null;
  }
  if (e.shiftKey) return null;
  if (k === "delete" || k === "backspace") return "delete";
  if (k === "f") return "focus";
  if (k === "escape") return "deselect";
  return null;
}

/** Whether the key goes to a field being typed in. */
export function isTyping(target: EventTarget | null): boolean {
  if (typeof Element === "undefined" || !(target instanceof Element)) return false;
  if (target instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color"].includes(target.type);
  }
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target as HTMLElement).isContentEditable;
}

/**
 * Runs an action; returns false when it did not apply (nothing selected,
 * read only), so the key keeps its default behaviour.
 */
export type ShortcutHandler = (action: ShortcutAction) => boolean;

/** Listens on target for shortcuts; returns the function that stops listening. */
export function installShortcuts(target: EventTarget, run: ShortcutHandler): () => void {
  const onKey = (ev: Event): void => {
    const e = ev as KeyboardEvent;
    if (e.defaultPrevented || e.isComposing || isTyping(e.target)) return;
    const action = shortcutFor(e);
    if (action !== null && run(action)) e.preventDefault();
  };
  target.addEventListener("keydown", onKey);
  return () => target.removeEventListener("keydown", onKey);
}
