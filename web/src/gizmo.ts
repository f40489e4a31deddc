// The transform gizmo: three.js TransformControls on the selected node, in
// move, rotate or scale mode (W, E, R, or the buttons over the viewport),
// with an optional snap (one grid cell, 15°, 0.1). While dragging, the
// elements of the node's transform that changed since the last write are
// written one by one (setTransformElement: one change each, only those
// elements), throttled to STREAM_MS, so others see the drag live and a
// concurrent edit of another axis survives; the final value is written on
// release. Viewers get no gizmo.

import * as THREE from "three";
import { TransformControls } from "three/examples/jsm/controls/TransformControls.js";
import { h } from "./dom";
import type { Transform } from "./scene";
import { Throttle } from "./throttle";
import { changedElements, withChanges, type ElementChange } from "./transformdiff";
import type { Pick, Viewport } from "./viewport";

/** Writes while dragging at most this often (≈ 30 Hz). */
export const STREAM_MS = 33;
/** Snap steps: translation (one grid cell), rotation, scale. */
export const SNAP = { translate: 1, rotate: THREE.MathUtils.degToRad(15), scale: 0.1 } as const;

export type GizmoMode = "translate" | "rotate" | "scale";

/** What the gizmo asks of the page. */
export interface GizmoEvents {
  /** Writes the changed elements of a node's transform (one operation each); false if refused. */
  write(p: Pick, changes: ElementChange[]): boolean;
  /** A drag started (the node) or ended (null). */
  dragging(p: Pick | null): void;
}

/** The transform of an object as the schema writes it. */
export function transformOf(o: THREE.Object3D): Transform {
  return {
    t: [o.position.x, o.position.y, o.position.z],
    r: [o.quaternion.x, o.quaternion.y, o.quaternion.z, o.quaternion.w],
    s: [o.scale.x, o.scale.y, o.scale.z],
  };
}

export class Gizmo {
  readonly controls: TransformControls;
  /** The mode buttons and snap toggle, over the viewport. */
  readonly el: HTMLElement;
  readonly #viewport: Viewport;
  readonly #events: GizmoEvents;
  readonly #stream = new Throttle(() => this.#write(), STREAM_MS);
  readonly #buttons = new Map<GizmoMode, HTMLButtonElement>();
  readonly #snap: HTMLInputElement;
  #target: Pick | null = null;
  #dragged: Pick | null = null;
  #written: Transform | null = null;
  /** Writes made by drags, for tests. */
  writes = 0;

  constructor(viewport: Viewport, container: HTMLElement, events: GizmoEvents) {
    this.#viewport = viewport;
    this.#events = events;
    const c = new TransformControls(viewport.camera, viewport.renderer.domElement);
    this.controls = c;
    c.setSize(0.9);
    viewport.scene.add(c.getHelper());
    c.addEventListener("change", () => viewport.requestRender());
    c.addEventListener("dragging-changed", (e) => {
      viewport.controls.enabled = !e.value;
    });
    c.addEventListener("mouseDown", () => this.#begin());
    c.addEventListener("objectChange", () => this.#stream.call());
    c.addEventListener("mouseUp", () => this.#end());
    viewport.blockPick = () => c.axis !== null && c.object !== undefined;

    const modes: Array<[GizmoMode, string, string]> = [
      ["translate", "Move", "W"],
      ["rotate", "Rotate", "E"],
      ["scale", "Scale", "R"],
    ];
    for (const [mode, label, key] of modes) {
      const b = h("button", { type: "button", class: "small", "data-mode": mode, text: label, title: `${label} (${key})` });
      b.addEventListener("click", () => this.setMode(mode));
      this.#buttons.set(mode, b);
    }
    this.#snap = h("input", { type: "checkbox", name: "snap", "aria-label": "Snap" });
    this.#snap.addEventListener("change", () => this.setSnap(this.#snap.checked));
    this.el = h(
      "div",
      { class: "gizmo-bar", role: "toolbar", "aria-label": "Transform tools" },
      ...this.#buttons.values(),
      h("label", { class: "snap", title: "Snap to the grid, 15° and 0.1 (hold Ctrl to invert)" }, this.#snap, " Snap"),
    );
    container.append(this.el);
    this.setMode("translate");
    document.addEventListener("keydown", (e) => this.#key(e));
    document.addEventListener("keyup", (e) => {
      if (e.key === "Control") this.#applySnap(this.#snap.checked);
    });
  }

  get mode(): GizmoMode {
    return this.controls.mode as GizmoMode;
  }

  /** Whether a drag is under way. */
  get dragging(): boolean {
    return this.#dragged !== null;
  }

  setMode(mode: GizmoMode): void {
    this.controls.setMode(mode);
    for (const [m, b] of this.#buttons) b.classList.toggle("active", m === mode);
    this.#viewport.requestRender();
  }

  setSnap(on: boolean): void {
    this.#snap.checked = on;
    this.#applySnap(on);
  }

  /** Puts the gizmo on a node (null or undrawn: hides it). A drag under way keeps its node. */
  attach(p: Pick | null): void {
    if (this.#dragged !== null) return;
    const obj = p ? this.#viewport.nodeObject(p) : undefined;
    this.#target = obj ? p : null;
    if (obj === undefined) this.controls.detach();
    else if (this.controls.object !== obj) this.controls.attach(obj);
    this.#viewport.requestRender();
  }

  #applySnap(on: boolean): void {
    this.controls.setTranslationSnap(on ? SNAP.translate : null);
    this.controls.setRotationSnap(on ? SNAP.rotate : null);
    this.controls.setScaleSnap(on ? SNAP.scale : null);
  }

  #begin(): void {
    const p = this.#target;
    const obj = this.controls.object;
    if (p === null || obj === undefined) return;
    this.#dragged = p;
    this.#written = transformOf(obj);
    this.#viewport.held = p;
    this.#events.dragging(p);
  }

  #end(): void {
    if (this.#dragged === null) return;
    this.#stream.cancel();
    this.#write();
    this.#viewport.held = null;
    this.#dragged = null;
    this.#written = null;
    this.#events.dragging(null);
  }

  /** Writes the elements that changed since the last write. */
  #write(): void {
    const p = this.#dragged;
    const obj = this.controls.object;
    if (p === null || obj === undefined || this.#written === null) return;
    const changes = changedElements(this.#written, transformOf(obj));
    if (changes.length === 0) return;
    if (this.#events.write(p, changes)) {
      this.writes++;
      this.#written = withChanges(this.#written, changes);
    }
  }

  #key(e: KeyboardEvent): void {
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.key === "Control" && !e.repeat) this.#applySnap(!this.#snap.checked); // hold to invert
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const mode = ({ w: "translate", e: "rotate", r: "scale" } as Record<string, GizmoMode>)[e.key.toLowerCase()];
    if (mode !== undefined) this.setMode(mode);
  }
}
