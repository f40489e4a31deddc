// glTF models for mesh nodes: a node whose `asset` is a .gltf or .glb URL
// of this origin (the page's Content-Security-Policy allows no other) is
// drawn with that model instead of the placeholder box. Each URL is loaded
// once (GLTFLoader) and cloned per node; a failure is reported once per URL.

import type * as THREE from "three";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";

/**
 * The absolute URL of a model asset, or null when the asset is not a
 * same-origin .gltf/.glb URL (a relative path counts as same origin).
 */
export function modelUrl(asset: string, origin: string): string | null {
  if (asset === "") return null;
  let u: URL;
  try {
    u = new URL(asset, origin + "/");
  } catch {
    return null;
  }
  if (u.origin !== origin || !/\.(gltf|glb)$/i.test(u.pathname)) return null;
  return u.href;
}

/** Loads and caches models by URL. */
export class ModelCache {
  readonly #loader = new GLTFLoader();
  readonly #models = new Map<string, Promise<THREE.Object3D>>();
  readonly #failed = new Set<string>();
  /** Called once per URL that failed to load. */
  onError: (url: string, err: unknown) => void = () => {};

  /** A new copy of the model at url (shared geometry and materials), or a rejection. */
  async instance(url: string): Promise<THREE.Object3D> {
    let p = this.#models.get(url);
    if (p === undefined) {
      p = this.#loader.loadAsync(url).then((g) => g.scene);
      this.#models.set(url, p);
      p.catch((err: unknown) => {
        if (this.#failed.has(url)) return;
        this.#failed.add(url);
        this.onError(url, err);
      });
    }
    return (await p).clone(true);
  }
}
