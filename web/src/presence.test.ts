import { describe, expect, it } from "vitest";
import { byeMessage, colourOf, PEER_TTL_MS, PresenceBook, presenceMessage, readPresence, type PresenceState } from "./presence";

const alice: PresenceState = {
  user: "alice",
  colour: colourOf("alice"),
  selection: ["n1"],
  camera: { position: [1, 2, 3], quaternion: [0, 0, 0, 1] },
  editing: null,
};

describe("colourOf", () => {
  it("is stable per name and a hex colour", () => {
    expect(colourOf("alice")).toBe(colourOf("alice"));
    expect(colourOf("alice")).toMatch(/^#[0-9a-f]{6}$/);
    expect(colourOf("alice")).not.toBe(colourOf("bob"));
  });
});

describe("readPresence", () => {
  it("round-trips a message", () => {
    expect(readPresence(presenceMessage(alice))).toEqual(alice);
  });
  it("ignores other ephemeral messages and reads goodbyes", () => {
    expect(readPresence({ hello: 1 })).toBeNull();
    expect(readPresence("x")).toBeNull();
    expect(readPresence(byeMessage())).toBe("bye");
  });
  it("defaults malformed fields", () => {
    const s = readPresence({ kind: "atelier/presence", user: "bob", colour: "red", selection: [1, "a"], camera: { position: [1, 2] }, editing: 5 });
    expect(s).toEqual({ user: "bob", colour: colourOf("bob"), selection: ["a"], camera: null, editing: null });
  });
});

describe("PresenceBook", () => {
  it("adds, updates and reports changes only when something shows differently", () => {
    const b = new PresenceBook();
    expect(b.receive("p1", presenceMessage(alice), 0)).toBe(true);
    expect(b.receive("p1", presenceMessage(alice), 100)).toBe(false); // heartbeat
    expect(b.receive("p1", presenceMessage({ ...alice, editing: "n1" }), 200)).toBe(true);
    expect(b.peers()).toMatchObject([{ peerId: "p1", user: "alice", editing: "n1", seenAt: 200 }]);
    expect(b.receive("p1", { other: true }, 300)).toBe(false);
  });

  it("drops peers silent for longer than the TTL, and heartbeats keep them", () => {
    const b = new PresenceBook();
    b.receive("p1", presenceMessage(alice), 0);
    b.receive("p2", presenceMessage({ ...alice, user: "bob" }), 0);
    b.receive("p2", presenceMessage({ ...alice, user: "bob" }), 4000); // heartbeat
    expect(b.expire(PEER_TTL_MS)).toEqual([]);
    expect(b.expire(PEER_TTL_MS + 1)).toEqual(["p1"]);
    expect(b.peers().map((p) => p.user)).toEqual(["bob"]);
    expect(b.expire(4000 + PEER_TTL_MS + 1)).toEqual(["p2"]);
    expect(b.peers()).toEqual([]);
  });

  it("forgets a peer that says goodbye", () => {
    const b = new PresenceBook();
    b.receive("p1", presenceMessage(alice), 0);
    expect(b.receive("p1", byeMessage(), 1)).toBe(true);
    expect(b.peers()).toEqual([]);
  });

  it("collects selection colours per node", () => {
    const b = new PresenceBook();
    b.receive("p1", presenceMessage(alice), 0);
    b.receive("p2", presenceMessage({ ...alice, user: "bob", colour: "#000000", selection: ["n1", "n2"] }), 0);
    const m = b.selectionColours();
    expect(m.get("n1")).toEqual([alice.colour, "#000000"]);
    expect(m.get("n2")).toEqual(["#000000"]);
  });
});
