import { afterEach, describe, expect, it, vi } from "vitest";
import { Status } from "./status";

afterEach(() => vi.restoreAllMocks());

describe("Status", () => {
  it("keeps every error, logs it, and tells listeners", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const s = new Status();
    let updates = 0;
    s.onUpdate(() => updates++);
    s.setConnection("online");
    s.setConnection("online"); // no change, no update
    s.info("saved");
    s.error("renaming the world", new Error("403 forbidden"));
    s.error("plain message");
    expect(s.connection).toBe("online");
    expect(s.errors()).toEqual(["renaming the world: 403 forbidden", "plain message"]);
    expect(log).toHaveBeenCalledTimes(2);
    expect(updates).toBe(4);
    s.clear();
    expect(s.errors()).toEqual([]);
  });

  it("keeps the last 50 messages", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const s = new Status();
    for (let i = 0; i < 60; i++) s.error(`e${i}`);
    expect(s.errors()).toHaveLength(50);
    expect(s.errors()[0]).toBe("e10");
  });
});
