import { describe, expect, it } from "vitest";
import { adoptURLCredentials, displayName, loadCredentials, saveToken, saveUser, userNameProblem, type KeyValueStore } from "./identity";

function memory(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe("identity", () => {
  it("checks names as the server does", () => {
    expect(userNameProblem("ana")).toBe("");
    expect(userNameProblem("Ana López 🎨")).toBe("");
    expect(userNameProblem("")).not.toBe("");
    expect(userNameProblem("a\tb")).not.toBe("");
    expect(userNameProblem("a\u00a0b")).not.toBe(""); // a space Go does not call printable
    expect(userNameProblem("a\u200bb")).not.toBe("");
    expect(userNameProblem("a\ufffdb")).not.toBe("");
    expect(userNameProblem("\ud800")).not.toBe("");
    expect(userNameProblem("é".repeat(64))).toBe("");
    expect(userNameProblem("é".repeat(65))).not.toBe(""); // 130 bytes
  });

  it("stores the user and the token", () => {
    const s = memory();
    expect(loadCredentials(s)).toEqual({ user: "", token: "" });
    expect(saveUser(s, "  ana ")).toBe("ana");
    saveToken(s, "tok");
    expect(loadCredentials(s)).toEqual({ user: "ana", token: "tok" });
    saveToken(s, "");
    expect(loadCredentials(s)).toEqual({ user: "ana", token: "" });
    expect(() => saveUser(s, "")).toThrow(/required/);
  });

  it("adopts ?user= and ?token= from the page URL and strips them", () => {
    const s = memory();
    const out = adoptURLCredentials(s, new URL("http://h/worlds/w?user=bob&token=t&select=n"));
    expect(out?.pathname + (out?.search ?? "")).toBe("/worlds/w?select=n");
    expect(loadCredentials(s)).toEqual({ user: "bob", token: "t" });
    expect(adoptURLCredentials(s, new URL("http://h/"))).toBeNull();
  });

  it("names the user for the header", () => {
    expect(displayName({ user: "", token: "" })).toBe("local");
    expect(displayName({ user: "ana", token: "" })).toBe("ana");
    const claims = btoa(JSON.stringify({ sub: "vera", worlds: {} })).replace(/=+$/, "");
    expect(displayName({ user: "ana", token: `e30.${claims}.sig` })).toBe("vera (token)");
    expect(displayName({ user: "ana", token: "garbage" })).toBe("? (token)");
  });
});
