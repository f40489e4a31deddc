// Box select: shift-drag a rectangle over the viewport to select every node
// whose origin is drawn inside it (ctrl+shift adds to the selection). The
// drag is taken before the orbit controls see it (capture phase on the
// viewport's container), so shift-drag no longer pans.

import * as THREE from "three";
import { h } from "./dom";
import type { Pick, Viewport } from "./viewport";

/** A rectangle in client pixels. */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The rectangle spanned by two corners. */
export function rectFrom(a: { x: number; y: number }, b: { x: number; y: number }): Rect {
  return { left: Math.min(a.x, b.x), top: Math.min(a.y, b.y), right: Math.max(a.x, b.x), bottom: Math.max(a.y, b.y) };
}

/** Whether a point is inside a rectangle (edges included). */
export function inRect(r: Rect, p: { x: number; y: number }): boolean {
  return p.x >= r.left && p.x <= r.right && p.y >= r.top && p.y <= r.bottom;
}

/** The nodes whose origin is drawn inside r (in front of the camera, in visible layers). */
export function nodesInRect(viewport: Viewport, r: Rect): Pick[] {
  const canvas = viewport.renderer.domElement.getBoundingClientRect();
  const out: Pick[] = [];
  const v = new THREE.Vector3();
  viewport.camera.updateMatrixWorld();
  viewport.forEachVisibleNode((p, obj) => {
    obj.updateWorldMatrix(true, false);
    obj.getWorldPosition(v).project(viewport.camera);
    if (v.z < -1 || v.z > 1) return;
    const x = canvas.left + ((v.x + 1) / 2) * canvas.width;
    const y = canvas.top + ((1 - v.y) / 2) * canvas.height;
    if (inRect(r, { x, y })) out.push(p);
  });
  return out;
}

/** Installs box select on the viewport's container. */
export function installBoxSelect(viewport: Viewport, container: HTMLElement, onSelect: (picks: Pick[], additive: boolean) => void): void {
  const band = h("div", { class: "box-select", hidden: true });
  container.append(band);
  let start: { x: number; y: number } | null = null;
  let additive = false;
  const draw = (r: Rect): void => {
    const c = container.getBoundingClientRect();
    Object.assign(band.style, {
      left: `${r.left - c.left}px`, top: `${r.top - c.top}px`, width: `${r.right - r.left}px`, height: `${r.bottom - r.top}px`,
    });
  };
  const move = (e: PointerEvent): void => {
    if (start === null) return;
    band.hidden = false;
    draw(rectFrom(start, { x: e.clientX, y: e.clientY }));
  };
  const up = (e: PointerEvent): void => {
    if (start === null) return;
    const r = rectFrom(start, { x: e.clientX, y: e.clientY });
    start = null;
    band.hidden = true;
    window.removeEventListener("pointermove", move, true);
    window.removeEventListener("pointerup", up, true);
    if (r.right - r.left < 4 && r.bottom - r.top < 4) return; // a shift-click, not a box
    onSelect(nodesInRect(viewport, r), additive);
  };
  container.addEventListener(
    "pointerdown",
    (e) => {
      if (!e.shiftKey || e.button !== 0 || e.target !== viewport.renderer.domElement) return;
      e.stopPropagation(); // neither orbit (shift pans) nor the gizmo nor a pick
      e.preventDefault();
      start = { x: e.clientX, y: e.clientY };
      additive = e.ctrlKey || e.metaKey;
      window.addEventListener("pointermove", move, true);
      window.addEventListener("pointerup", up, true);
    },
    { capture: true },
  );
}
