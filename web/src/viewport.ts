// The 3D viewport: every node of every loaded, visible layer drawn by kind
// (mesh → a box placeholder, light → a small sphere and a point light,
// camera → a small frustum, anything else → axes), placed by its local
// transform under its resolved parent, so the three.js scene graph mirrors
// the resolved tree. Orbit controls; a click selects the node under the
// pointer. It renders on demand (after a change or a camera move), not in
// a loop.

import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import type { LayerId } from "./api";
import type { CameraPose } from "./deeplink";
import { MARK_COLORS, type Highlights } from "./diffview";
import { ModelCache, modelUrl } from "./gltf";
import { asFiniteNumber, asString, getOwn, isMap } from "./scene/plain";
import { Kind, ROOT, type NodeId, type ResolvedNode, type Transform, type Tree } from "./scene";

/** A node of a layer. */
export interface Pick {
  layer: LayerId;
  node: NodeId;
}

/** At most this many light nodes light the scene (each costs shader work); the rest are drawn only. */
export const MAX_LIGHTS = 8;

/** The drawable kinds; any other kind draws as "empty" (axes). */
type Visual = "mesh" | "light" | "camera" | "empty";

function visualOf(kind: string): Visual {
  switch (kind) {
    case Kind.Mesh:
    case Kind.Light:
    case Kind.Camera:
      return kind;
    default:
      return "empty";
  }
}

/** One node's objects: obj carries the transform, visual the drawing. */
interface NodeObjects {
  obj: THREE.Group;
  visual: THREE.Object3D;
  kind: Visual;
  light: THREE.PointLight | null;
}

interface LayerObjects {
  group: THREE.Group;
  nodes: Map<NodeId, NodeObjects>;
}

/**
 * Sets obj's position, rotation and scale from a schema transform. A zero
 * or non-finite quaternion reads as the identity; others are normalized.
 */
export function applyTransform(obj: THREE.Object3D, t: Transform): void {
  obj.position.set(t.t[0], t.t[1], t.t[2]);
  const [x, y, z, w] = t.r;
  const len = Math.hypot(x, y, z, w);
  if (Number.isFinite(len) && len > 1e-12) obj.quaternion.set(x / len, y / len, z / len, w / len);
  else obj.quaternion.identity();
  obj.scale.set(t.s[0], t.s[1], t.s[2]);
}

/** Shared geometries and materials: thousands of nodes, a handful of GPU buffers. */
class Resources {
  readonly box = new THREE.BoxGeometry(1, 1, 1);
  readonly sphere = new THREE.SphereGeometry(0.15, 16, 12);
  readonly frustum = frustumGeometry();
  readonly axes = axesGeometry(0.5);
  readonly meshMaterials = [0x8fa8c8, 0xc8a88f, 0x9fc88f, 0xc88fb8, 0xc8c48f, 0x8fc8c4].map(
    (color) => new THREE.MeshStandardMaterial({ color, roughness: 0.8 }),
  );
  readonly lightMaterial = new THREE.MeshBasicMaterial({ color: 0xffe070 });
  readonly cameraMaterial = new THREE.LineBasicMaterial({ color: 0x70c0ff });
  readonly axesMaterial = new THREE.LineBasicMaterial({ vertexColors: true });

  dispose(): void {
    for (const g of [this.box, this.sphere, this.frustum, this.axes]) g.dispose();
    for (const m of [...this.meshMaterials, this.lightMaterial, this.cameraMaterial, this.axesMaterial]) m.dispose();
  }
}

/** A small camera frustum looking down -Z, with a tick marking "up". */
function frustumGeometry(): THREE.BufferGeometry {
  const d = 0.6, w = 0.4, hh = 0.3;
  const c = [[-w, -hh, -d], [w, -hh, -d], [w, hh, -d], [-w, hh, -d]] as const;
  const pts: number[] = [];
  const seg = (a: readonly number[], b: readonly number[]): void => void pts.push(...a, ...b);
  for (let i = 0; i < 4; i++) {
    seg([0, 0, 0], c[i]!);
    seg(c[i]!, c[(i + 1) % 4]!);
  }
  seg([-w * 0.5, hh, -d], [0, hh * 1.6, -d]);
  seg([0, hh * 1.6, -d], [w * 0.5, hh, -d]);
  const g = new THREE.BufferGeometry();
  g.setAttribute("position", new THREE.Float32BufferAttribute(pts, 3));
  return g;
}

/** Axes of the given length: x red, y green, z blue. */
function axesGeometry(len: number): THREE.BufferGeometry {
  const g = new THREE.BufferGeometry();
  g.setAttribute("position", new THREE.Float32BufferAttribute([0, 0, 0, len, 0, 0, 0, 0, 0, 0, len, 0, 0, 0, 0, 0, 0, len], 3));
  g.setAttribute("color", new THREE.Float32BufferAttribute([1, 0.3, 0.3, 1, 0.3, 0.3, 0.3, 1, 0.3, 0.3, 1, 0.3, 0.3, 0.5, 1, 0.3, 0.5, 1], 3));
  return g;
}

/** A stable small hash of a string (FNV-1a), to color placeholders. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The viewport. Construction throws when WebGL is unavailable. */
export class Viewport {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(50, 1, 0.05, 5000);
  readonly controls: OrbitControls;
  readonly #res = new Resources();
  readonly #layers = new Map<LayerId, LayerObjects>();
  readonly #selectionBox = new THREE.BoxHelper(new THREE.Object3D(), 0xffcc00);
  readonly #raycaster = new THREE.Raycaster();
  readonly #container: HTMLElement;
  readonly #resize: ResizeObserver;
  #selection: Pick | null = null;
  #frame = 0;
  #down: { x: number; y: number } | null = null;
  #onPick: (p: Pick | null) => void;
  /** glTF models of mesh nodes whose asset is a same-origin .gltf/.glb URL. */
  readonly models = new ModelCache();
  readonly #highlights = new THREE.Group();
  /** Render count, for tests. */
  renders = 0;
  /** Called before each render (overlays follow the nodes and the camera here). */
  readonly beforeRender = new Set<() => void>();
  /** Called after each render, with performance.now() then. */
  readonly afterRender = new Set<(at: number) => void>();
  /** A node whose transform the tree does not set while held (the gizmo drags it). */
  held: Pick | null = null;
  /** When true at pointer down, the click does not pick (the gizmo took it). */
  blockPick: () => boolean = () => false;

  constructor(container: HTMLElement, onPick: (p: Pick | null) => void) {
    this.#container = container;
    this.#onPick = onPick;
    this.renderer = new THREE.WebGLRenderer({ antialias: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.domElement.className = "viewport-canvas";
    container.append(this.renderer.domElement);

    this.scene.background = new THREE.Color(0x20242b);
    this.scene.add(new THREE.HemisphereLight(0xdde6ff, 0x40362c, 1.2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.5);
    sun.position.set(5, 10, 7);
    this.scene.add(sun);
    const grid = new THREE.GridHelper(40, 40, 0x56606e, 0x3a414c);
    grid.raycast = () => {}; // never picked
    this.scene.add(grid);
    this.#selectionBox.visible = false;
    this.#selectionBox.raycast = () => {};
    this.scene.add(this.#selectionBox);
    this.#raycaster.params.Line = { threshold: 0.05 };

    this.camera.position.set(6, 5, 8);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.target.set(0, 0, 0);
    this.controls.update();
    this.controls.addEventListener("change", () => this.requestRender());

    const canvas = this.renderer.domElement;
    canvas.addEventListener("pointerdown", (e) => (this.#down = this.blockPick() ? null : { x: e.clientX, y: e.clientY }));
    canvas.addEventListener("pointerup", (e) => this.#pointerUp(e));
    this.#resize = new ResizeObserver(() => this.#fit());
    this.#resize.observe(container);
    this.#fit();
  }

  /** Draws (or redraws) a layer from its resolved tree. */
  setLayer(id: LayerId, tree: Tree): void {
    let layer = this.#layers.get(id);
    if (layer === undefined) {
      layer = { group: new THREE.Group(), nodes: new Map() };
      layer.group.name = `layer:${id}`;
      this.#layers.set(id, layer);
      this.scene.add(layer.group);
    }
    const nodes = Object.values(tree.nodes);
    for (const n of nodes) this.#upsert(id, layer, n);
    for (const n of nodes) {
      const o = layer.nodes.get(n.id)!;
      const parent = n.parent === ROOT ? layer.group : (layer.nodes.get(n.parent)?.obj ?? layer.group);
      if (o.obj.parent !== parent) parent.add(o.obj);
    }
    for (const [nid, o] of layer.nodes) {
      if (!Object.prototype.hasOwnProperty.call(tree.nodes, nid)) {
        o.obj.removeFromParent();
        layer.nodes.delete(nid);
      }
    }
    this.#budgetLights();
    this.#updateSelectionBox();
    this.requestRender();
  }

  /** Stops drawing a layer. */
  removeLayer(id: LayerId): void {
    const layer = this.#layers.get(id);
    if (layer === undefined) return;
    layer.group.removeFromParent();
    this.#layers.delete(id);
    if (this.#selection?.layer === id) this.select(null);
    this.#budgetLights();
    this.requestRender();
  }

  /** Shows or hides a layer (hidden layers are not picked either). */
  setLayerVisible(id: LayerId, visible: boolean): void {
    const layer = this.#layers.get(id);
    if (layer === undefined || layer.group.visible === visible) return;
    layer.group.visible = visible;
    this.#budgetLights();
    this.#updateSelectionBox();
    this.requestRender();
  }

  /** Highlights a node (null: nothing). */
  select(p: Pick | null): void {
    this.#selection = p;
    this.#updateSelectionBox();
    this.requestRender();
  }

  /** The number of node objects drawn, over all layers. */
  objectCount(): number {
    let n = 0;
    for (const l of this.#layers.values()) n += l.nodes.size;
    return n;
  }

  /** A node's object (its transform is the node's), or undefined when not drawn. */
  nodeObject(p: Pick): THREE.Object3D | undefined {
    return this.#layers.get(p.layer)?.nodes.get(p.node)?.obj;
  }

  /** Calls fn for every node drawn in a visible layer. */
  forEachVisibleNode(fn: (p: Pick, obj: THREE.Object3D) => void): void {
    for (const [layer, l] of this.#layers) {
      if (!l.group.visible) continue;
      for (const [node, o] of l.nodes) fn({ layer, node }, o.obj);
    }
  }

  /**
   * Where a node's origin appears on the page (client pixels), or null
   * when it is not drawn or behind the camera. For tests that click nodes.
   */
  screenPosition(p: Pick): { x: number; y: number } | null {
    const o = this.#layers.get(p.layer)?.nodes.get(p.node);
    if (o === undefined) return null;
    o.obj.updateWorldMatrix(true, false);
    const v = o.obj.getWorldPosition(new THREE.Vector3()).project(this.camera);
    if (v.z < -1 || v.z > 1) return null;
    const rect = this.renderer.domElement.getBoundingClientRect();
    return { x: rect.left + ((v.x + 1) / 2) * rect.width, y: rect.top + ((1 - v.y) / 2) * rect.height };
  }

  /**
   * The orbit target (where the user is looking) in the local space of a
   * node (null: the layer root, i.e. world space), or null if the node is
   * not drawn.
   */
  targetIn(parent: Pick | null): [number, number, number] | null {
    const v = this.controls.target.clone();
    if (parent !== null) {
      const o = this.#layers.get(parent.layer)?.nodes.get(parent.node);
      if (o === undefined) return null;
      o.obj.updateWorldMatrix(true, false);
      o.obj.worldToLocal(v);
    }
    return [v.x, v.y, v.z];
  }

  /** The camera's pose, for deep links. */
  cameraPose(): CameraPose {
    const p = this.camera.position, q = this.camera.quaternion;
    return { position: [p.x, p.y, p.z], quaternion: [q.x, q.y, q.z, q.w] };
  }

  /**
   * Puts the camera at a pose. The orbit target is placed ahead of it (at
   * the distance the current target is, at least 1), so orbiting keeps the
   * view; orbit controls keep the camera upright, so a roll is dropped.
   */
  setCameraPose(pose: CameraPose): void {
    const dist = Math.max(1, this.camera.position.distanceTo(this.controls.target));
    this.camera.position.set(...pose.position);
    this.camera.quaternion.set(...pose.quaternion).normalize();
    const forward = new THREE.Vector3(0, 0, -1).applyQuaternion(this.camera.quaternion);
    this.controls.target.copy(this.camera.position).addScaledVector(forward, dist);
    this.controls.update();
    this.requestRender();
  }

  /** Points the camera at everything drawn (or at a node), keeping its direction. */
  frame(p?: Pick): void {
    const target = p ? this.#layers.get(p.layer)?.nodes.get(p.node)?.obj : undefined;
    const box = new THREE.Box3();
    if (target !== undefined) box.setFromObject(target);
    else for (const l of this.#layers.values()) if (l.group.visible) box.expandByObject(l.group);
    if (box.isEmpty()) return;
    const center = box.getCenter(new THREE.Vector3());
    const radius = Math.max(0.5, box.getSize(new THREE.Vector3()).length() / 2);
    const dir = this.camera.position.clone().sub(this.controls.target).normalize();
    const dist = radius / Math.sin(THREE.MathUtils.degToRad(this.camera.fov / 2));
    this.controls.target.copy(center);
    this.camera.position.copy(center).addScaledVector(dir, dist);
    this.controls.update();
    this.requestRender();
  }

  /** Schedules one render on the next animation frame. */
  requestRender(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
    });
  }

  /** Renders now if a render is pending (from inside an animation frame: this frame, not the next). */
  renderNow(): void {
    if (this.#frame === 0) return;
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#draw();
  }

  #draw(): void {
    this.renders++;
    for (const fn of this.beforeRender) fn();
    this.renderer.render(this.scene, this.camera);
    const at = performance.now();
    for (const fn of this.afterRender) fn(at);
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    this.#resize.disconnect();
    this.controls.dispose();
    this.#res.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }

  #upsert(layerId: LayerId, layer: LayerObjects, n: ResolvedNode): void {
    const kind = visualOf(n.kind);
    let o = layer.nodes.get(n.id);
    if (o === undefined) {
      const obj = new THREE.Group();
      obj.name = n.id;
      o = { obj, visual: new THREE.Object3D(), kind, light: null };
      this.#setVisual(layerId, o, n, kind);
      layer.nodes.set(n.id, o);
    } else if (o.kind !== kind || (kind === "mesh" && (o.visual.userData["color"] !== this.#meshColorKey(n) || o.visual.userData["asset"] !== n.asset))) {
      this.#setVisual(layerId, o, n, kind);
    }
    if (this.held?.layer !== layerId || this.held.node !== n.id) applyTransform(o.obj, n.transform);
    if (o.light !== null) configureLight(o.light, n);
  }

  #meshColorKey(n: ResolvedNode): number {
    return hash(n.asset !== "" ? n.asset : n.id) % this.#res.meshMaterials.length;
  }

  #setVisual(layerId: LayerId, o: NodeObjects, n: ResolvedNode, kind: Visual): void {
    o.visual.removeFromParent();
    o.light?.removeFromParent();
    o.light = null;
    const r = this.#res;
    let visual: THREE.Object3D;
    switch (kind) {
      case "mesh": {
        const key = this.#meshColorKey(n);
        visual = new THREE.Mesh(r.box, r.meshMaterials[key]);
        visual.userData["color"] = key;
        visual.userData["asset"] = n.asset;
        this.#loadModel(layerId, o, n.asset, visual);
        break;
      }
      case "light":
        visual = new THREE.Mesh(r.sphere, r.lightMaterial);
        o.light = new THREE.PointLight(0xffffff, 1, 0, 0);
        o.obj.add(o.light);
        break;
      case "camera":
        visual = new THREE.LineSegments(r.frustum, r.cameraMaterial);
        break;
      default:
        visual = new THREE.LineSegments(r.axes, r.axesMaterial);
    }
    visual.userData["pick"] = { layer: layerId, node: n.id } satisfies Pick;
    o.visual = visual;
    o.kind = kind;
    o.obj.add(visual);
  }

  /**
   * Replaces a mesh node's placeholder by its glTF model once loaded, if
   * the placeholder is still the node's visual then (failures go to
   * models.onError and leave the placeholder).
   */
  #loadModel(layerId: LayerId, o: NodeObjects, asset: string, placeholder: THREE.Object3D): void {
    const url = modelUrl(asset, location.origin);
    if (url === null) return;
    this.models.instance(url).then(
      (model) => {
        if (o.visual !== placeholder) return;
        const pick = { layer: layerId, node: o.obj.name as NodeId } satisfies Pick;
        model.traverse((c) => (c.userData["pick"] = pick));
        model.userData["color"] = placeholder.userData["color"];
        model.userData["asset"] = asset;
        placeholder.removeFromParent();
        o.visual = model;
        o.obj.add(model);
        this.#updateSelectionBox();
        this.requestRender();
      },
      () => {}, // reported once per URL by the cache
    );
  }

  /**
   * Outlines nodes by diff mark (added green, removed red, moved blue,
   * changed orange); null clears. Call after setLayer for the trees shown.
   */
  setHighlights(h: Highlights | null): void {
    for (const c of [...this.#highlights.children]) {
      c.removeFromParent();
      if (c instanceof THREE.BoxHelper) {
        c.geometry.dispose();
        (c.material as THREE.Material).dispose();
      }
    }
    if (this.#highlights.parent === null) this.scene.add(this.#highlights);
    for (const [layerId, marks] of h ?? []) {
      const layer = this.#layers.get(layerId as LayerId);
      if (layer === undefined) continue;
      for (const [id, mark] of marks) {
        const o = layer.nodes.get(id as NodeId);
        if (o === undefined) continue;
        o.obj.updateWorldMatrix(true, true);
        const box = new THREE.BoxHelper(o.obj, MARK_COLORS[mark]);
        box.raycast = () => {};
        box.userData["mark"] = mark;
        this.#highlights.add(box);
      }
    }
    this.requestRender();
  }

  /** The number of diff outlines drawn, for tests. */
  highlightCount(): number {
    return this.#highlights.children.length;
  }

  /** Lets the first MAX_LIGHTS visible light nodes light the scene. */
  #budgetLights(): void {
    let used = 0;
    for (const l of this.#layers.values()) {
      for (const o of l.nodes.values()) {
        if (o.light === null) continue;
        o.light.visible = l.group.visible && used < MAX_LIGHTS;
        if (o.light.visible) used++;
      }
    }
  }

  #updateSelectionBox(): void {
    const p = this.#selection;
    const layer = p ? this.#layers.get(p.layer) : undefined;
    const o = p ? layer?.nodes.get(p.node) : undefined;
    if (o === undefined || layer === undefined || !layer.group.visible) {
      this.#selectionBox.visible = false;
      return;
    }
    o.obj.updateWorldMatrix(true, true);
    this.#selectionBox.setFromObject(o.obj);
    this.#selectionBox.visible = true;
  }

  #pointerUp(e: PointerEvent): void {
    const down = this.#down;
    this.#down = null;
    if (down === null || e.button !== 0 || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) return;
    const rect = this.renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(((e.clientX - rect.left) / rect.width) * 2 - 1, -((e.clientY - rect.top) / rect.height) * 2 + 1);
    this.#raycaster.setFromCamera(ndc, this.camera);
    const groups = [...this.#layers.values()].filter((l) => l.group.visible).map((l) => l.group);
    for (const hit of this.#raycaster.intersectObjects(groups, true)) {
      const pick = hit.object.userData["pick"] as Pick | undefined;
      if (pick !== undefined) {
        this.#onPick(pick);
        return;
      }
    }
    this.#onPick(null);
  }

  #fit(): void {
    const w = Math.max(1, this.#container.clientWidth);
    const h = Math.max(1, this.#container.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }
}

/** Sets a point light from the node's "light" component (color, intensity), when it has them. */
function configureLight(light: THREE.PointLight, n: ResolvedNode): void {
  const comp = getOwn(n.components, "light");
  const intensity = isMap(comp) ? asFiniteNumber(getOwn(comp, "intensity")) : undefined;
  const color = isMap(comp) ? asString(getOwn(comp, "color")) : undefined;
  light.intensity = intensity ?? 1;
  if (color !== undefined && /^#[0-9a-fA-F]{6}$/.test(color)) light.color.set(color);
  else light.color.set(0xffffff);
}
