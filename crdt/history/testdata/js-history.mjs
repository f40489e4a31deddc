// Generates js-history.json: a layer document's history as a JS client
// (@automerge/automerge 3.x) writes it, for crdt/history's tests.
//
// Run from the repository root (it needs the root node_modules):
//
//	node crdt/history/testdata/js-history.mjs > crdt/history/testdata/js-history.json
//
// Plain JS strings become Text objects (Barrel uses RawString scalars, as
// docs/scene-schema.md asks, for contrast); nodes are nested objects;
// moves are list element edits (t[0] = 5); renames are assignments (a new
// Text) or A.updateText (character edits). Actors A and B then edit the
// same node concurrently from the same base, and A merges B. Each change is
// listed in the merged document's order (a causal order) with, for
// checking, every node's name after applying the changes up to it.
import { readFileSync } from "node:fs";
import * as A from "@automerge/automerge";

const actorA = "aa".repeat(16);
const actorB = "bb".repeat(16);
const time = 1700000000; // JS 3.x convention: seconds
const ids = {
  crate: "00000000-0000-4000-8000-000000000001",
  barrel: "00000000-0000-4000-8000-000000000002",
  lamp: "00000000-0000-4000-8000-000000000003",
  fence: "00000000-0000-4000-8000-000000000004",
  bench: "00000000-0000-4000-8000-000000000006",
};

const node = (name, kind, comps = {}) => ({
  name, parent: "", order: "a0", kind, asset: "",
  transform: { t: [0, 0, 0], r: [0, 0, 0, 1], s: [1, 1, 1] },
  components: comps,
});

const change = (doc, message, fn) => A.change(doc, { message, time }, fn);

let a = A.init({ actor: actorA });
a = change(a, "create layer", (d) => {
  d.schema = new A.RawString("atelier.layer/1");
  d.nodes = {};
});
a = change(a, "add crate and barrel", (d) => {
  d.nodes[ids.crate] = node("Crate", "mesh");
  const raw = (s) => new A.RawString(s);
  d.nodes[ids.barrel] = { ...node(raw("Barrel"), raw("mesh")), parent: raw(""), order: raw("a1"), asset: raw("") };
});
a = change(a, "add lamp and fence", (d) => {
  d.nodes[ids.lamp] = node("Lamp", "light", { light: { intensity: 1, color: "warm" } });
  d.nodes[ids.fence] = node("Fence", "mesh");
});
a = change(a, "move crate and barrel", (d) => {
  d.nodes[ids.crate].transform.t[0] = 5;
  d.nodes[ids.barrel].transform.t[2] = 1.5;
});
a = change(a, "rename lamp", (d) => { d.nodes[ids.lamp].name = "Street Lamp"; });
a = change(a, "reparent barrel", (d) => {
  d.nodes[ids.barrel].parent = new A.RawString(ids.crate);
  d.nodes[ids.barrel].order = new A.RawString("a2");
});
a = change(a, "light intensity", (d) => { d.nodes[ids.lamp].components.light.intensity = 2; });
a = change(a, "add physics", (d) => { d.nodes[ids.crate].components.physics = { mass: 10, shape: [1, 2, 3] }; });
a = change(a, "remove light", (d) => { delete d.nodes[ids.lamp].components.light; });
a = change(a, "delete fence", (d) => { delete d.nodes[ids.fence]; });
a = change(a, "crate XL", (d) => { A.updateText(d, ["nodes", ids.crate, "name"], "Crate XL"); });

let b = A.clone(a, { actor: actorB });
a = change(a, "a: move, rename, insert", (d) => {
  d.nodes[ids.crate].transform.t[1] = 2;
  A.updateText(d, ["nodes", ids.crate, "name"], "Crate XL A");
  d.nodes[ids.crate].components.physics.shape.splice(1, 0, 9);
});
b = change(b, "b: move, rename, insert, add bench", (d) => {
  d.nodes[ids.crate].transform.t[1] = 3;
  d.nodes[ids.crate].transform.t[2] = 4;
  A.updateText(d, ["nodes", ids.crate, "name"], "Crate XL B");
  d.nodes[ids.crate].components.physics.shape.splice(1, 0, 8);
  d.nodes[ids.bench] = node("Bench", "mesh");
});
a = A.merge(a, b);
a = change(a, "after merge", (d) => {
  d.nodes[ids.crate].components.physics.shape[2] = 7;
  d.nodes[ids.crate].name = "Crate";
});

const names = (doc) => Object.fromEntries(Object.entries(doc.nodes ?? {}).map(([id, n]) => [id, String(n.name)]));
const changes = A.getAllChanges(a);
let replay = A.init();
const out = changes.map((c) => {
  [replay] = A.applyChanges(replay, [c]);
  const dc = A.decodeChange(c);
  return {
    message: dc.message, actor: dc.actor, seq: dc.seq, hash: dc.hash,
    hex: Buffer.from(c).toString("hex"), names: names(replay),
  };
});
const final = a.nodes[ids.crate];
const pkg = JSON.parse(readFileSync(new URL("../../../node_modules/@automerge/automerge/package.json", import.meta.url)));
const lines = out.map((c) => "  " + JSON.stringify(c)).join(",\n");
process.stdout.write(`{
 "generator": ${JSON.stringify(`@automerge/automerge ${pkg.version}, crdt/history/testdata/js-history.mjs`)},
 "finalShape": ${JSON.stringify([...final.components.physics.shape])},
 "finalT": ${JSON.stringify([...final.transform.t])},
 "changes": [
${lines}
 ]
}
`);
