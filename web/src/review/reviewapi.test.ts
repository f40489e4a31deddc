import { describe, expect, it } from "vitest";
import { Api } from "../api";
import { ReviewApi } from "./reviewapi";

/** An Api whose fetch answers every request with body. */
function apiAnswering(body: unknown): Api {
  const fetch = (async () =>
    new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } })) as typeof globalThis.fetch;
  return new Api({ fetch });
}

describe("ReviewApi.recordings", () => {
  const rec = { id: "r1", session: "s1", startedAt: "2026-11-24T10:00:00Z", duration: 8.03, frames: 241, keyframes: [0, 1] };

  it("says which recordings crash recovery finished", async () => {
    const reviews = new ReviewApi(apiAnswering({ recordings: [{ ...rec, recovered: true }, { ...rec, id: "r2", recovered: false }, { ...rec, id: "r3" }] }));
    const got = await reviews.recordings("s1");
    expect(got.map((r) => [r.id, r.recovered])).toEqual([["r1", true], ["r2", false], ["r3", false]]);
    expect(got[0]).toMatchObject({ duration: 8.03, frames: 241, keyframes: [0, 1] });
  });
});

describe("ReviewApi.deleteRecording", () => {
  it("sends DELETE for the recording and reports the server's refusal", async () => {
    const calls: string[] = [];
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(`${init?.method ?? "GET"} ${String(input)}`);
      if (calls.length === 1) return new Response(null, { status: 204 });
      return new Response(JSON.stringify({ error: "conflict: 1 viewers are watching recording r1" }), {
        status: 409, headers: { "Content-Type": "application/json" },
      });
    }) as typeof globalThis.fetch;
    const reviews = new ReviewApi(new Api({ fetch }));
    await reviews.deleteRecording("r/1");
    await expect(reviews.deleteRecording("r1")).rejects.toThrow(/watching/);
    expect(calls[0]).toMatch(/^DELETE .*\/api\/recordings\/r%2F1$/);
  });
});
