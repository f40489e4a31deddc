import { describe, expect, it } from "vitest";
import { describeClose, syncURL } from "./repo";

describe("syncURL", () => {
  it("names the user or carries the token", () => {
    expect(syncURL({ protocol: "http:", host: "127.0.0.1:8080" }, { user: "ana lópez", token: "" })).toBe("ws://127.0.0.1:8080/sync?user=ana%20l%C3%B3pez");
    expect(syncURL({ protocol: "https:", host: "atelier.example" }, { user: "ana", token: "a.b.c" })).toBe("wss://atelier.example/sync?token=a.b.c");
    expect(syncURL({ protocol: "http:", host: "h" }, { user: "", token: "" })).toBe("ws://h/sync?user=local");
  });
});

describe("describeClose", () => {
  it("explains the server's close codes", () => {
    expect(describeClose(1000, "")).toBe("");
    expect(describeClose(4403, "read-only role sent changes")).toBe("4403 forbidden: read-only role sent changes");
    expect(describeClose(4401, "not authenticated")).toBe("4401 not authenticated");
    expect(describeClose(4999, "")).toBe("4999 closed");
  });
});
