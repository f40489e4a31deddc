import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "./historyapi";
import { formatOpMessage } from "./scene";
import { outcomeText, revertedBy, stacksFromHistory } from "./undo";

let n = 0;
function entry(user: string, summary: string, reverts = "", layer = "L1"): HistoryEntry {
  n++;
  const hash = n.toString(16).padStart(64, "0");
  const message = reverts !== "" ? formatOpMessage({ op: "revert", nodes: [], props: [], linkChange: reverts, author: user }) : `atelier/op:1 {"op":"setProperty","nodes":["x"],"props":["/name"]}`;
  return { hash, layer, user, receivedAt: "", time: 0, message, summary, touched: [] };
}

/** Builds a timeline oldest first and returns it newest first, as the API does. */
function timeline(...entries: HistoryEntry[]): HistoryEntry[] {
  return [...entries].reverse();
}

describe("revertedBy", () => {
  it("reads linkChange of revert messages only", () => {
    const e = entry("a", "", "ab".repeat(32));
    expect(revertedBy(e.message)).toBe("ab".repeat(32));
    expect(revertedBy(entry("a", "x").message)).toBe("");
    expect(revertedBy("not structured")).toBe("");
  });
});

describe("stacksFromHistory", () => {
  it("offers the user's changes newest on top, ignoring others' and the manifest", () => {
    const a1 = entry("alice", "a1");
    const b1 = entry("bob", "b1");
    const a2 = entry("alice", "a2");
    const m = entry("alice", "rename world", "", "manifest");
    const s = stacksFromHistory(timeline(a1, b1, a2, m), "alice");
    expect(s.undo.map((x) => x.summary)).toEqual(["a1", "a2"]);
    expect(s.redo).toEqual([]);
  });

  it("an undo moves the change to redo as its revert; a redo moves it back", () => {
    const a1 = entry("alice", "a1");
    const a2 = entry("alice", "a2");
    const u = entry("alice", "revert", a2.hash);
    let s = stacksFromHistory(timeline(a1, a2, u), "alice");
    expect(s.undo.map((x) => x.hash)).toEqual([a1.hash]);
    expect(s.redo).toEqual([{ hash: u.hash, summary: "a2" }]);
    const r = entry("alice", "revert", u.hash);
    s = stacksFromHistory(timeline(a1, a2, u, r), "alice");
    expect(s.undo).toEqual([{ hash: a1.hash, summary: "a1" }, { hash: r.hash, summary: "a2" }]);
    expect(s.redo).toEqual([]);
    // Undo of the redo: revert r.
    const u2 = entry("alice", "revert", r.hash);
    s = stacksFromHistory(timeline(a1, a2, u, r, u2), "alice");
    expect(s.undo.map((x) => x.hash)).toEqual([a1.hash]);
    expect(s.redo).toEqual([{ hash: u2.hash, summary: "a2" }]);
  });

  it("two undos in a row undo the two newest changes", () => {
    const a1 = entry("alice", "a1");
    const a2 = entry("alice", "a2");
    const u1 = entry("alice", "revert", a2.hash);
    const u2 = entry("alice", "revert", a1.hash);
    const s = stacksFromHistory(timeline(a1, a2, u1, u2), "alice");
    expect(s.undo).toEqual([]);
    expect(s.redo.map((x) => x.summary)).toEqual(["a2", "a1"]);
  });

  it("a new change of the user clears redo; a change of someone else does not", () => {
    const a1 = entry("alice", "a1");
    const u = entry("alice", "revert", a1.hash);
    const b = entry("bob", "b");
    expect(stacksFromHistory(timeline(a1, u, b), "alice").redo).toHaveLength(1);
    const a2 = entry("alice", "a2");
    const s = stacksFromHistory(timeline(a1, u, b, a2), "alice");
    expect(s.redo).toEqual([]);
    expect(s.undo.map((x) => x.summary)).toEqual(["a2"]);
  });

  it("a change reverted by someone else is not offered", () => {
    const a1 = entry("alice", "a1");
    const a2 = entry("alice", "a2");
    const br = entry("bob", "revert", a2.hash);
    const s = stacksFromHistory(timeline(a1, a2, br), "alice");
    expect(s.undo.map((x) => x.summary)).toEqual(["a1"]);
    expect(s.redo).toEqual([]);
  });

  it("the user's revert of someone else's change is an ordinary, undoable change", () => {
    const b1 = entry("bob", "b1");
    const ar = entry("alice", "reverted b1", b1.hash);
    const s = stacksFromHistory(timeline(b1, ar), "alice");
    expect(s.undo).toEqual([{ hash: ar.hash, summary: "reverted b1" }]);
  });

  it("skips changes whose revert conflicted", () => {
    const a1 = entry("alice", "a1");
    const a2 = entry("alice", "a2");
    const s = stacksFromHistory(timeline(a1, a2), "alice", new Set([a2.hash]));
    expect(s.undo.map((x) => x.summary)).toEqual(["a1"]);
  });
});

describe("outcomeText", () => {
  it("says what was undone and the conflicts", () => {
    expect(outcomeText({ kind: "nothing", summary: "", change: "", conflicts: [] }, "undo")).toBe("nothing to undo");
    expect(outcomeText({ kind: "undone", summary: "renamed Lamp", change: "x", conflicts: [] }, "undo")).toBe('undone "renamed Lamp"');
    const t = outcomeText({ kind: "redone", summary: "moved Crate", change: "x", conflicts: [{ node: "0123456789", path: "/name", reason: "changed" }] }, "redo");
    expect(t).toBe('redone "moved Crate"; 1 conflict left as they are (01234567/name (changed))');
  });
});
