import { describe, expect, it } from "vitest";
import { Api, ApiError, canEdit, parseWorld, type WorldId } from "./api";

const world = {
  id: "6f1c2a4e-9b1d-4c7e-8a2f-0d3b5e7f9a1c",
  name: "Harbor",
  url: "automerge:2W9GC6YQFn8ymzPq8PJp3UgFTwZ9",
  layers: [{ id: "a1b2c3d4-0000-4000-8000-000000000000", name: "Main", url: "automerge:3kZjqV6qQ1V4WXD2DMHd1sU7aGAq" }],
  createdAt: "2026-11-24T09:15:00Z",
  createdBy: "alice",
  role: "owner",
};

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch answering every call with status and body, recording the calls. */
function fakeFetch(status: number, body: unknown, calls: Call[] = []): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
}

describe("Api", () => {
  it("lists worlds as the user named in local mode", async () => {
    const calls: Call[] = [];
    const api = new Api({ credentials: { user: "ana lópez", token: "" }, fetch: fakeFetch(200, { worlds: [world] }, calls) });
    const ws = await api.listWorlds();
    expect(ws).toHaveLength(1);
    expect(ws[0]?.name).toBe("Harbor");
    expect(ws[0]?.layers[0]?.url).toBe(world.layers[0]?.url);
    expect(calls[0]?.url).toBe("/api/worlds?user=ana%20l%C3%B3pez");
    expect(calls[0]?.init.method).toBe("GET");
  });

  it("sends a bearer token instead of the user when it has one", async () => {
    const calls: Call[] = [];
    const api = new Api({ credentials: { user: "ana", token: "tok" }, fetch: fakeFetch(200, world, calls) });
    await api.getWorld(world.id as WorldId);
    expect(calls[0]?.url).toBe(`/api/worlds/${world.id}`);
    expect((calls[0]?.init.headers as Record<string, string>)["Authorization"]).toBe("Bearer tok");
  });

  it("creates and renames with JSON bodies", async () => {
    const calls: Call[] = [];
    const api = new Api({ fetch: fakeFetch(201, world, calls) });
    await api.createWorld("Harbor");
    await api.renameWorld(world.id as WorldId, "Port");
    expect(calls.map((c) => [c.init.method, c.url, c.init.body])).toEqual([
      ["POST", "/api/worlds", '{"name":"Harbor"}'],
      ["PATCH", `/api/worlds/${world.id}`, '{"name":"Port"}'],
    ]);
  });

  it("reports the server's error message and status", async () => {
    const api = new Api({ fetch: fakeFetch(403, { error: "forbidden: this needs the editor role" }) });
    const err = await api.renameWorld(world.id as WorldId, "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).message).toBe(`PATCH /api/worlds/${world.id}: 403 forbidden: this needs the editor role`);
  });

  it("reports a non-JSON error body", async () => {
    const api = new Api({ fetch: fakeFetch(502, "Bad Gateway from the proxy") });
    await expect(api.listWorlds()).rejects.toMatchObject({ status: 502, message: expect.stringContaining("Bad Gateway") });
  });

  it("reports an unreachable server as status 0", async () => {
    const api = new Api({
      fetch: (async () => {
        throw new TypeError("Failed to fetch");
      }) as typeof fetch,
    });
    await expect(api.listWorlds()).rejects.toMatchObject({ status: 0, message: "GET /api/worlds: server unreachable (Failed to fetch)" });
  });

  it("refuses malformed responses", async () => {
    await expect(new Api({ fetch: fakeFetch(200, { worlds: {} }) }).listWorlds()).rejects.toThrow(/malformed response/);
    await expect(new Api({ fetch: fakeFetch(200, "not json") }).listWorlds()).rejects.toThrow(/not JSON/);
    await expect(new Api({ fetch: fakeFetch(200, { ...world, layers: [{ id: 1 }] }) }).getWorld(world.id as WorldId)).rejects.toThrow(/layer/);
  });
});

describe("parseWorld", () => {
  it("defaults optional fields and drops unknown roles", () => {
    const w = parseWorld({ id: "x", name: "n", url: "automerge:a", layers: [], role: "admin" });
    expect(w).toEqual({ id: "x", name: "n", url: "automerge:a", layers: [], createdAt: "", createdBy: "", role: "" });
  });
});

describe("canEdit", () => {
  it("allows owners and editors only", () => {
    expect(["owner", "editor", "reviewer", "viewer", ""].map((r) => canEdit(r as "owner"))).toEqual([true, true, false, false, false]);
  });
});
