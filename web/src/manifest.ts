// Reading a world's manifest document (docs/scene-schema.md, "Manifest
// document"): the world's name and its layers in display order, with the
// same leniency as Go's scene.ReadManifest (scalar strings or Text, missing
// or mistyped fields read as "").

import type { AutomergeUrl } from "@automerge/automerge-repo";
import type { LayerId } from "./api";
import { asString, getOwn, isMap } from "./scene/plain";
import { compareBytewise } from "./scene/strings";

/** The schema of a v1 manifest. */
export const MANIFEST_SCHEMA = "atelier.world/1";

/** One layer entry of a manifest. */
export interface ManifestLayer {
  id: LayerId;
  name: string;
  url: AutomergeUrl | "";
  order: string;
}

/** A manifest's plain state. */
export interface Manifest {
  name: string;
  /** In display order: by order, then id, byte-wise. */
  layers: ManifestLayer[];
}

/** Reads a manifest document's root; throws if it is not a v1 manifest. */
export function readManifest(root: unknown): Manifest {
  if (!isMap(root)) throw new Error("manifest: the document is not a map");
  const schema = asString(getOwn(root, "schema")) ?? "";
  const layersRaw = getOwn(root, "layers");
  if (schema.startsWith("atelier.world/") && schema !== MANIFEST_SCHEMA) {
    throw new Error(`manifest: unsupported schema ${JSON.stringify(schema)}`);
  }
  if (schema !== MANIFEST_SCHEMA && (schema !== "" || !isMap(layersRaw))) {
    throw new Error(`manifest: not a world manifest (schema ${JSON.stringify(schema)})`);
  }
  const layers: ManifestLayer[] = [];
  if (isMap(layersRaw)) {
    for (const id of Object.keys(layersRaw)) {
      const entry = getOwn(layersRaw, id);
      const str = (k: string): string => (isMap(entry) ? (asString(getOwn(entry, k)) ?? "") : "");
      const url = str("url");
      layers.push({
        id: id as LayerId,
        name: str("name"),
        url: url.startsWith("automerge:") ? (url as AutomergeUrl) : "",
        order: str("order"),
      });
    }
  }
  layers.sort((a, b) => compareBytewise(a.order, b.order) || compareBytewise(a.id, b.id));
  return { name: asString(getOwn(root, "name")) ?? "", layers };
}
