import { describe, expect, it } from "vitest";
import { formatCamera, parseCamera, parseDeepLink, parseRoute, worldPath } from "./deeplink";
import type { WorldId } from "./api";

describe("parseRoute", () => {
  it("routes the world list, editors and the rest", () => {
    expect(parseRoute("/", "")).toEqual({ page: "worlds" });
    expect(parseRoute("/worlds/abc", "")).toEqual({ page: "editor", world: "abc", link: { camera: null, select: null, problems: [] } });
    expect(parseRoute("/worlds/abc/", "?select=n1")).toMatchObject({ page: "editor", world: "abc", link: { select: "n1" } });
    expect(parseRoute("/worlds/", "")).toEqual({ page: "not-found", path: "/worlds/" });
    expect(parseRoute("/worlds/a/b", "")).toEqual({ page: "not-found", path: "/worlds/a/b" });
    expect(parseRoute("/worlds/%E0%A4%A", "")).toEqual({ page: "not-found", path: "/worlds/%E0%A4%A" });
  });

  it("routes reviews: the list, a session, its publisher", () => {
    expect(parseRoute("/reviews", "")).toEqual({ page: "reviews" });
    expect(parseRoute("/reviews/r1", "")).toEqual({ page: "review", review: "r1" });
    expect(parseRoute("/reviews/r1/publish", "")).toEqual({ page: "publish", review: "r1" });
    expect(parseRoute("/reviews/r1/other", "")).toEqual({ page: "not-found", path: "/reviews/r1/other" });
    expect(parseRoute("/reviews/%E0%A4%A", "")).toEqual({ page: "not-found", path: "/reviews/%E0%A4%A" });
  });
});

describe("deep links", () => {
  it("parses a camera and a selection", () => {
    const link = parseDeepLink("?camera=1,2,3,0,0,0,2&select=6f1c");
    expect(link.problems).toEqual([]);
    expect(link.select).toBe("6f1c");
    expect(link.camera).toEqual({ position: [1, 2, 3], quaternion: [0, 0, 0, 1] }); // normalized
  });

  it("reports a bad camera and keeps the selection", () => {
    for (const bad of ["1,2,3", "1,2,3,0,0,0,x", "1,2,3,0,0,0,", "1,2,3,0,0,0,0", "1,2,3,0,0,0,Infinity"]) {
      const link = parseDeepLink(`?camera=${bad}&select=n`);
      expect(link.camera).toBeNull();
      expect(link.select).toBe("n");
      expect(link.problems).toHaveLength(1);
    }
    expect(typeof parseCamera("")).toBe("string");
  });

  it("round-trips through worldPath", () => {
    const cam = { position: [1.23456789, -0, 3] as [number, number, number], quaternion: [0, 0.7071068, 0, 0.7071068] as [number, number, number, number] };
    expect(formatCamera(cam)).toBe("1.2346,0,3,0,0.7071,0,0.7071");
    const path = worldPath("w-1" as WorldId, { camera: cam, select: "n 1" });
    expect(path).toBe("/worlds/w-1?camera=1.2346,0,3,0,0.7071,0,0.7071&select=n+1");
    const url = new URL(path, "http://x");
    const route = parseRoute(url.pathname, url.search);
    expect(route).toMatchObject({ page: "editor", world: "w-1", link: { select: "n 1" } });
    expect(worldPath("w" as WorldId)).toBe("/worlds/w");
  });
});
