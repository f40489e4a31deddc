// What the viewport draws over the scene for collaboration and selection:
// outlines of the secondary selected nodes (the primary one has the
// viewport's own box), and for every other peer present, outlines of their
// selection and a small frustum where their camera is, in their colour,
// plus a pulsing "Alice is editing" label over a node someone is dragging
// or typing in (a soft marker, never a lock). Overlays follow the nodes and
// the camera: they are refreshed before every render.

import * as THREE from "three";
import { h } from "./dom";
import type { Peer } from "./presence";
import type { NodeId } from "./scene";
import type { Pick, Viewport } from "./viewport";

/** At most this many outlines per peer (each costs a draw call). */
export const MAX_OUTLINES = 50;

interface Outline {
  box: THREE.BoxHelper;
  target: Pick;
}

export class Overlays {
  readonly #viewport: Viewport;
  readonly #group = new THREE.Group();
  readonly #labels: HTMLElement;
  #outlines: Outline[] = [];
  #frustums: THREE.LineSegments[] = [];
  #editing: Array<{ el: HTMLElement; target: Pick }> = [];
  readonly #frustumGeometry = frustumGeometry();
  #selected: Pick[] = [];
  #peers: Peer[] = [];
  #locate: (node: string) => Pick | null = () => null;

  constructor(viewport: Viewport, container: HTMLElement) {
    this.#viewport = viewport;
    this.#group.name = "overlays";
    viewport.scene.add(this.#group);
    this.#labels = h("div", { class: "presence-labels" });
    container.append(this.#labels);
    viewport.beforeRender.add(() => this.#follow());
  }

  /** The selection (primary first); the others than the primary are outlined here. */
  setSelection(picks: readonly Pick[]): void {
    this.#selected = [...picks];
    this.#rebuild();
  }

  /** The peers present; locate finds the loaded node a peer names. */
  setPeers(peers: readonly Peer[], locate: (node: string) => Pick | null): void {
    this.#peers = [...peers];
    this.#locate = locate;
    this.#rebuild();
  }

  /** Outlines drawn (selection and presence), for tests. */
  outlineCount(): number {
    return this.#outlines.length;
  }

  #rebuild(): void {
    for (const o of this.#outlines) {
      o.box.geometry.dispose();
      (o.box.material as THREE.Material).dispose();
    }
    for (const f of this.#frustums) (f.material as THREE.Material).dispose();
    this.#group.clear();
    this.#outlines = [];
    this.#frustums = [];
    this.#editing = [];
    this.#labels.replaceChildren();
    for (const p of this.#selected.slice(1)) this.#outline(p, 0xffcc00);
    for (const peer of this.#peers) {
      const colour = new THREE.Color(peer.colour);
      let n = 0;
      for (const id of peer.selection) {
        const p = this.#locate(id);
        if (p !== null && n++ < MAX_OUTLINES) this.#outline(p, colour);
      }
      if (peer.camera !== null) {
        const f = new THREE.LineSegments(this.#frustumGeometry, new THREE.LineBasicMaterial({ color: colour }));
        f.position.set(...peer.camera.position);
        f.quaternion.set(...peer.camera.quaternion).normalize();
        f.raycast = () => {};
        f.name = `camera:${peer.user}`;
        this.#frustums.push(f);
        this.#group.add(f);
      }
      const editing = peer.editing !== null ? this.#locate(peer.editing) : null;
      if (editing !== null) {
        const el = h("div", { class: "presence-editing", "data-node": editing.node, text: `${peer.user || "someone"} is editing` });
        el.style.setProperty("--peer", peer.colour);
        this.#labels.append(el);
        this.#editing.push({ el, target: editing });
      }
    }
    this.#viewport.requestRender();
  }

  #outline(p: Pick, colour: THREE.ColorRepresentation): void {
    const box = new THREE.BoxHelper(new THREE.Object3D(), colour);
    box.raycast = () => {};
    box.visible = false;
    this.#outlines.push({ box, target: p });
    this.#group.add(box);
  }

  /** Moves outlines and labels to where their nodes are now. */
  #follow(): void {
    for (const o of this.#outlines) {
      const obj = this.#viewport.nodeObject(o.target);
      o.box.visible = obj !== undefined && isShown(obj);
      if (obj === undefined || !o.box.visible) continue;
      obj.updateWorldMatrix(true, true);
      o.box.setFromObject(obj);
    }
    for (const e of this.#editing) {
      const at = this.#viewport.nodeObject(e.target) ? this.#viewport.screenPosition(e.target) : null;
      const rect = this.#labels.getBoundingClientRect();
      e.el.hidden = at === null;
      if (at !== null) e.el.style.transform = `translate(${Math.round(at.x - rect.left)}px, ${Math.round(at.y - rect.top)}px)`;
    }
  }
}

/** Whether obj and all its ancestors are visible (a hidden layer hides its outlines). */
function isShown(obj: THREE.Object3D): boolean {
  for (let o: THREE.Object3D | null = obj; o !== null; o = o.parent) if (!o.visible) return false;
  return true;
}

/** A camera frustum looking down -Z, larger than a camera node's, with an "up" tick. */
function frustumGeometry(): THREE.BufferGeometry {
  const d = 0.9, w = 0.6, hh = 0.45;
  const c = [[-w, -hh, -d], [w, -hh, -d], [w, hh, -d], [-w, hh, -d]] as const;
  const pts: number[] = [];
  for (let i = 0; i < 4; i++) pts.push(0, 0, 0, ...c[i]!, ...c[i]!, ...c[(i + 1) % 4]!);
  pts.push(-w * 0.5, hh, -d, 0, hh * 1.6, -d, 0, hh * 1.6, -d, w * 0.5, hh, -d);
  const g = new THREE.BufferGeometry();
  g.setAttribute("position", new THREE.Float32BufferAttribute(pts, 3));
  return g;
}

/** Node ids → Pick in whichever loaded layer holds them (for setPeers). */
export type Locate = (node: NodeId | string) => Pick | null;
