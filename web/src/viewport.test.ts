import * as THREE from "three";
import { describe, expect, it } from "vitest";
import { applyTransform } from "./viewport";

describe("applyTransform", () => {
  it("places an object by the schema's t, r (x, y, z, w) and s", () => {
    const o = new THREE.Object3D();
    const h = Math.SQRT1_2;
    applyTransform(o, { t: [1, 2, 3], r: [0, h, 0, h], s: [2, 3, 4] });
    expect(o.position.toArray()).toEqual([1, 2, 3]);
    expect(o.quaternion.toArray().map((x) => +x.toFixed(6))).toEqual([0, +h.toFixed(6), 0, +h.toFixed(6)]);
    expect(o.scale.toArray()).toEqual([2, 3, 4]);
    // A quarter turn about y takes +x to -z.
    const v = new THREE.Vector3(1, 0, 0).applyQuaternion(o.quaternion);
    expect([v.x, v.y, v.z].map((x) => Math.round(x))).toEqual([0, 0, -1]);
  });

  it("normalizes the quaternion and reads a zero one as the identity", () => {
    const o = new THREE.Object3D();
    applyTransform(o, { t: [0, 0, 0], r: [0, 0, 0, 2], s: [1, 1, 1] });
    expect(o.quaternion.toArray()).toEqual([0, 0, 0, 1]);
    applyTransform(o, { t: [0, 0, 0], r: [0, 0, 0, 0], s: [1, 1, 1] });
    expect(o.quaternion.toArray()).toEqual([0, 0, 0, 1]);
  });
});
