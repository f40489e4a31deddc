// Benchmarks of the hot paths (run with `npx vitest bench web/src/scene`;
// not part of the pass/fail suite): resolving a 10,000-node layer, reading
// one, and computing an order key.
import { bench, describe } from "vitest";
import { decodeNode, readLayer } from "./decode";
import { keyBetween } from "./fracindex";
import { resolve } from "./tree";
import { identityTransform, nodeId, type LayerState } from "./types";

/** A 10,000-node layer: 100 roots with 99 children each, shuffled orders. */
function populate(): { plain: Record<string, unknown>; state: LayerState } {
  const nodes: Record<string, unknown> = {};
  const state: LayerState = { schema: "atelier.layer/1", nodes: {} };
  for (let i = 0; i < 10_000; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    const parent = i % 100 === 0 ? "" : `00000000-0000-4000-8000-${String(i - (i % 100)).padStart(12, "0")}`;
    const n = { name: `n${i}`, kind: "mesh", parent, order: `a${(i * 7919) % 62}`, asset: "",
      transform: identityTransform(), components: {} };
    nodes[id] = n;
    state.nodes[id] = decodeNode(nodeId(id), n);
  }
  return { plain: { schema: "atelier.layer/1", nodes }, state };
}

const layer = populate();

describe("scene", () => {
  bench("resolve 10k nodes", () => {
    resolve(layer.state);
  });
  bench("readLayer 10k nodes (plain values)", () => {
    readLayer(layer.plain);
  });
  bench("keyBetween a0V a1", () => {
    keyBetween("a0V", "a1");
  });
});
