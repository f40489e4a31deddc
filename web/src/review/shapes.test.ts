import { describe, expect, it } from "vitest";
import { colourProblem, MAX_POINTS, normalize, shapeProblem, thin, type Shape } from "./shapes";

describe("shapes", () => {
  it("normalizes into the frame and clamps outside points", () => {
    expect(normalize(320, 120, 640, 480)).toEqual([0.5, 0.25]);
    expect(normalize(-5, 900, 640, 480)).toEqual([0, 1]);
    expect(normalize(Number.NaN, 10, 640, 480)).toEqual([0, 0.0208]);
  });

  it.each<[string, Shape, RegExp | ""]>([
    ["a rect", { kind: "rect", points: [[0.1, 0.1], [0.5, 0.5]] }, ""],
    ["a freehand", { kind: "freehand", points: [[0, 0], [1, 1], [0.5, 0.2]] }, ""],
    ["an unknown kind", { kind: "star" as Shape["kind"], points: [[0, 0], [1, 1]] }, /unknown shape kind/],
    ["an arrow of three points", { kind: "arrow", points: [[0, 0], [1, 1], [0, 1]] }, /2 points/],
    ["a point out of the frame", { kind: "ellipse", points: [[0, 0], [1.5, 1]] }, /outside the frame/],
    ["NaN", { kind: "ellipse", points: [[0, Number.NaN], [1, 1]] }, /outside the frame/],
    ["a one-point stroke", { kind: "freehand", points: [[0, 0]] }, /2 to/],
  ])("checks %s", (_, s, want) => {
    const p = shapeProblem(s);
    if (want === "") expect(p).toBe("");
    else expect(p).toMatch(want);
  });

  it("checks colours", () => {
    expect(colourProblem("#A0b0c0")).toBe("");
    expect(colourProblem("red")).toMatch(/#rrggbb/);
  });

  it("thins a stroke: close points dropped, ends kept, at most the maximum", () => {
    expect(thin([[0, 0], [0.0001, 0], [0.5, 0.5], [0.5001, 0.5], [1, 1]])).toEqual([[0, 0], [0.5, 0.5], [1, 1]]);
    const long = Array.from({ length: 10_000 }, (_, i): [number, number] => [i / 10_000, 0]);
    const t = thin(long, 0);
    expect(t).toHaveLength(MAX_POINTS);
    expect(t[0]).toEqual([0, 0]);
    expect(t.at(-1)).toEqual(long.at(-1));
  });
});
