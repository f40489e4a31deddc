import { describe, expect, it } from "vitest";
import { modelUrl } from "./gltf";

describe("modelUrl", () => {
  const o = "http://127.0.0.1:8080";
  it("accepts same-origin glTF and GLB paths", () => {
    expect(modelUrl("/assets/crate.glb", o)).toBe(`${o}/assets/crate.glb`);
    expect(modelUrl("models/Tree.GLTF", o)).toBe(`${o}/models/Tree.GLTF`);
    expect(modelUrl(`${o}/a/b.glb?v=2`, o)).toBe(`${o}/a/b.glb?v=2`);
  });
  it("refuses other origins, other files and plain names", () => {
    expect(modelUrl("https://cdn.example.com/crate.glb", o)).toBeNull();
    expect(modelUrl("/assets/crate.png", o)).toBeNull();
    expect(modelUrl("crate", o)).toBeNull();
    expect(modelUrl("", o)).toBeNull();
  });
});
