import { describe, expect, it } from "vitest";
import { shortcutFor, type KeyLike } from "./shortcuts";

function key(k: string, mods: Partial<KeyLike> = {}): KeyLike {
  return { key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods };
}

describe("shortcutFor", () => {
  it("maps the editor's keys", () => {
    expect(shortcutFor(key("Delete"))).toBe("delete");
    expect(shortcutFor(key("Backspace"))).toBe("delete");
    expect(shortcutFor(key("f"))).toBe("focus");
    expect(shortcutFor(key("F"))).toBe("focus");
    expect(shortcutFor(key("Escape"))).toBe("deselect");
    expect(shortcutFor(key("d", { ctrlKey: true }))).toBe("duplicate");
    expect(shortcutFor(key("g", { metaKey: true }))).toBe("group");
    expect(shortcutFor(key("z", { ctrlKey: true }))).toBe("undo");
    expect(shortcutFor(key("Z", { ctrlKey: true, shiftKey: true }))).toBe("redo");
    expect(shortcutFor(key("y", { ctrlKey: true }))).toBe("redo");
  });

  it("leaves other keys and combinations alone", () => {
    expect(shortcutFor(key("z"))).toBeNull();
    expect(shortcutFor(key("f", { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key("d", { ctrlKey: true, altKey: true }))).toBeNull();
    expect(shortcutFor(key("F", { shiftKey: true }))).toBeNull();
  });
});
