import * as A from "@automerge/automerge";
import { Repo, type AutomergeUrl, type Chunk, type DocHandle, type StorageAdapterInterface, type StorageKey } from "@automerge/automerge-repo";
import { afterEach, describe, expect, it } from "vitest";
import type { LayerId, World, WorldId } from "./api";
import { createNode, deleteSubtree, nodeId, readLayer, resolve, setProperty } from "./scene";
import { WorldSession, type PreviewLayer, type WorldChange } from "./world";

const S = (s: string) => new A.ImmutableString(s);
const L1 = "11111111-1111-4111-8111-111111111111" as LayerId;
const L2 = "22222222-2222-4222-8222-222222222222" as LayerId;
const N1 = nodeId("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");

interface Fixture {
  repo: Repo;
  manifest: DocHandle<Record<string, unknown>>;
  layer: DocHandle<Record<string, unknown>>;
  world: World;
  session: WorldSession;
  storage: MemoryStorage;
  changes: WorldChange[];
  errors: string[];
}

/** Storage in memory, standing in for IndexedDB. */
class MemoryStorage implements StorageAdapterInterface {
  readonly #data = new Map<string, { key: StorageKey; data: Uint8Array }>();
  async load(key: StorageKey) {
    return this.#data.get(key.join("/"))?.data;
  }
  async save(key: StorageKey, data: Uint8Array) {
    this.#data.set(key.join("/"), { key, data });
  }
  async remove(key: StorageKey) {
    this.#data.delete(key.join("/"));
  }
  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    return [...this.#data.values()].filter((c) => prefix.every((p, i) => c.key[i] === p));
  }
  async removeRange(prefix: StorageKey) {
    for (const c of await this.loadRange(prefix)) this.#data.delete(c.key.join("/"));
  }
}

let repos: Repo[] = [];
afterEach(async () => {
  // shutdown flushes every handle, and flushing one that never became
  // ready (the unavailable manifest) throws: ignore that.
  await Promise.all(repos.map((r) => r.shutdown().catch(() => {})));
  repos = [];
});

function layerDoc(repo: Repo): DocHandle<Record<string, unknown>> {
  return repo.create<Record<string, unknown>>({ schema: S("atelier.layer/1"), nodes: {} });
}

/** A world of one layer in a repo without network, as the server would have created it. */
function fixture(): Fixture {
  const storage = new MemoryStorage();
  const repo = new Repo({ network: [], storage });
  repos.push(repo);
  const layer = layerDoc(repo);
  const manifest = repo.create<Record<string, unknown>>({
    schema: S("atelier.world/1"),
    name: S("Harbor"),
    layers: { [L1]: { name: S("Main"), url: S(layer.url), order: S("a0") } },
  });
  const world: World = {
    id: "w" as WorldId, name: "Harbor", url: manifest.url, createdAt: "", createdBy: "", role: "owner",
    layers: [{ id: L1, name: "Main", url: layer.url }],
  };
  const changes: WorldChange[] = [];
  const errors: string[] = [];
  const session = new WorldSession(repo, world, (c) => changes.push(c), (ctx, err) => errors.push(`${ctx}: ${String(err)}`));
  return { repo, manifest, layer, world, session, storage, changes, errors };
}

/** Waits until cond holds (polling; the session re-reads on a timer outside browsers). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("WorldSession", () => {
  it("opens the manifest and loads every layer", async () => {
    const f = fixture();
    expect(f.session.allReady()).toBe(false);
    await f.session.open();
    expect(f.session.allReady()).toBe(true);
    expect(f.session.manifest?.name).toBe("Harbor");
    expect(f.session.layers.map((l) => [l.id, l.name, l.loaded, l.ready])).toEqual([[L1, "Main", true, true]]);
    expect(f.session.layer(L1)?.tree?.roots).toEqual([]);
    expect(f.errors).toEqual([]);
  });

  it("commits edits as one change each and re-reads the layer", async () => {
    const f = fixture();
    await f.session.open();
    expect(f.session.edit(L1, (doc) => createNode(doc, { id: N1, name: "Crate", kind: "mesh" }, {}, { author: "ana" }))).toBe(true);
    expect(f.session.edit(L1, (doc) => setProperty(doc, N1, "name", "Barrel", { author: "ana" }))).toBe(true);
    f.session.flush();
    expect(f.session.layer(L1)?.tree?.nodes[N1]?.name).toBe("Barrel");
    expect(f.session.layerOf(N1)?.id).toBe(L1);
    expect(f.session.nodeCount()).toBe(1);
    expect(f.session.lastLocalChangeAt).toBeGreaterThan(0);
    expect(f.session.lastRemoteChangeAt).toBe(0);
    const history = A.getHistory(f.layer.doc());
    expect(history.map((h) => h.change.message).slice(-2)).toEqual([
      `atelier/op:1 {"op":"create","nodes":["${N1}"],"props":[""],"parent":"","author":"ana"}`,
      `atelier/op:1 {"op":"setProperty","nodes":["${N1}"],"props":["/name"],"author":"ana"}`,
    ]);
  });

  it("reports a refused edit and writes nothing", async () => {
    const f = fixture();
    await f.session.open();
    const heads = f.layer.heads();
    expect(f.session.edit(L1, (doc) => deleteSubtree(doc, N1))).toBe(false);
    expect(f.layer.heads()).toEqual(heads);
    expect(f.errors).toHaveLength(1);
    expect(f.errors[0]).toMatch(/edit Main/);
  });

  it("counts changes it did not make as remote, and redraws them", async () => {
    const f = fixture();
    await f.session.open();
    // Another peer's change arrives (as the synchronizer applies it).
    const other = A.change(A.clone(f.layer.doc()), { message: "elsewhere" }, (d: Record<string, unknown>) => {
      const e = createNode(d, { id: N1, name: "Remote", kind: "light" });
      e.apply(d);
    });
    f.layer.update((d) => A.merge(d, other));
    expect(f.session.lastRemoteChangeAt).toBeGreaterThan(0);
    expect(f.session.lastLocalChangeAt).toBe(0);
    await until(() => f.session.layer(L1)?.tree?.nodes[N1]?.name === "Remote", "the remote node");
    expect(f.changes).toContainEqual({ kind: "layer", layer: L1 });
  });

  it("follows the manifest: new layers load, removed ones unload", async () => {
    const f = fixture();
    await f.session.open();
    const second = layerDoc(f.repo);
    f.manifest.change((d) => {
      (d["layers"] as Record<string, unknown>)[L2] = { name: S("Lights"), url: S(second.url), order: S("a1") };
      d["name"] = S("Harbour");
    });
    await until(() => f.session.layer(L2)?.ready === true, "the new layer");
    expect(f.session.manifest?.name).toBe("Harbour");
    expect(f.session.layers.map((l) => l.name)).toEqual(["Main", "Lights"]);
    f.manifest.change((d) => {
      delete (d["layers"] as Record<string, unknown>)[L1];
    });
    await until(() => f.session.layers.length === 1, "the layer to go");
    expect(f.session.layers[0]?.id).toBe(L2);
    expect(f.errors).toEqual([]);
  });

  it("unloads and reloads a layer", async () => {
    const f = fixture();
    await f.session.open();
    f.session.edit(L1, (doc) => createNode(doc, { id: N1, name: "Crate", kind: "mesh" }));
    await f.session.unloadLayer(L1);
    const l = f.session.layer(L1)!;
    expect([l.loaded, l.ready, l.handle, l.tree]).toEqual([false, false, null, null]);
    expect(f.repo.handles[f.layer.documentId]).toBeUndefined();
    expect(f.session.nodeCount()).toBe(0);
    expect(f.changes).toContainEqual({ kind: "unloaded", layer: L1 });
    await f.session.loadLayer(L1);
    expect(f.session.layer(L1)?.tree?.nodes[N1]?.name).toBe("Crate");
  });

  it("ignores a load that an unload overtook, and reports a layer without a URL", async () => {
    const f = fixture();
    await f.session.open();
    await f.session.unloadLayer(L1);
    const first = f.session.loadLayer(L1);
    await f.session.unloadLayer(L1);
    await f.session.loadLayer(L1);
    await first;
    f.session.edit(L1, (doc) => createNode(doc, { id: N1, name: "Once", kind: "mesh" }));
    expect(f.session.changeCount).toBe(1); // one listener, not two
    const session = new WorldSession(f.repo, { ...f.world, layers: [{ id: L2, name: "Broken", url: "" as AutomergeUrl }], url: "" as AutomergeUrl }, () => {}, (ctx) => f.errors.push(ctx));
    await session.open();
    expect(session.allReady()).toBe(true);
    expect(session.layer(L2)?.error).toMatch(/no document URL/);
  });

  it("falls back to the server's layer list when the manifest is unavailable", async () => {
    const f = fixture();
    const missing = "automerge:2W9GC6YQFn8ymzPq8PJp3UgFTwZ9" as AutomergeUrl;
    const session = new WorldSession(f.repo, { ...f.world, url: missing }, () => {}, (ctx) => f.errors.push(ctx));
    await session.open();
    expect(f.errors[0]).toMatch(/manifest unavailable/);
    expect(session.layer(L1)?.ready).toBe(true);
    expect(session.layer(L1)?.tree).not.toBeNull();
  });

  describe("the server's copy shown while a layer arrives", () => {
    /** The server's resolved tree of L1: one node named name. */
    function serverCopy(name: string): PreviewLayer[] {
      const state = readLayer({ schema: S("atelier.layer/1"), nodes: { [N1]: { name, kind: S("mesh"), parent: S(""), order: S("a0") } } });
      return [{ id: L1, tree: resolve(state) }];
    }

    it("is shown read-only until the document is in, then replaced by it", async () => {
      const f = fixture();
      f.layer.change((d) => {
        (d["nodes"] as Record<string, unknown>)[N1] = { name: "Live", kind: S("mesh"), parent: S(""), order: S("a0") };
      });
      // A second repo on the same storage: the layer comes from storage, not memory.
      await f.repo.flush();
      const repo = new Repo({ network: [], storage: f.storage });
      repos.push(repo);
      const seen: Array<[boolean, string | undefined]> = [];
      const session = new WorldSession(repo, f.world, (c) => {
        const l = session.layer(L1);
        if (c.kind === "layer" && l?.tree != null) seen.push([l.preview, l.tree.nodes[N1]?.name]);
      }, (ctx, err) => f.errors.push(`${ctx}: ${String(err)}`), async () => serverCopy("Server"));
      await session.open();
      expect(seen[0]).toEqual([true, "Server"]);
      expect(seen.at(-1)).toEqual([false, "Live"]);
      expect(session.layer(L1)?.preview).toBe(false);
    });

    it("refuses edits to a layer still shown from the server's copy, saying why", async () => {
      const f = fixture();
      const missing = "automerge:2W9GC6YQFn8ymzPq8PJp3UgFTwZ9" as AutomergeUrl;
      const world = { ...f.world, layers: [{ id: L1, name: "Main", url: missing }] };
      const errors: string[] = [];
      const session = new WorldSession(f.repo, world, () => {}, (ctx, err) => errors.push(`${ctx}: ${String(err)}`), async () => serverCopy("Server"));
      const opening = session.open();
      await until(() => session.layer(L1)?.preview === true, "the server's copy");
      expect(session.layer(L1)?.tree?.nodes[N1]?.name).toBe("Server");
      expect(session.edit(L1, (doc) => setProperty(doc, N1, "name", "X", { author: "ana" }))).toBe(false);
      expect(errors.at(-1)).toMatch(/still arriving/);
      void opening;
    });

    it("never replaces a live layer, and a failed fetch only costs the head start", async () => {
      const f = fixture();
      f.layer.change((d) => {
        (d["nodes"] as Record<string, unknown>)[N1] = { name: "Live", kind: S("mesh"), parent: S(""), order: S("a0") };
      });
      let release = (): void => {};
      const late = new Promise<void>((ok) => (release = ok));
      const errors: string[] = [];
      const session = new WorldSession(f.repo, f.world, () => {}, (ctx) => errors.push(ctx), async () => {
        await late;
        return serverCopy("Stale");
      });
      const opening = session.open();
      await until(() => session.layer(L1)?.handle != null, "the live layer");
      release();
      await opening;
      expect(session.layer(L1)?.tree?.nodes[N1]?.name).toBe("Live");
      expect(session.layer(L1)?.preview).toBe(false);

      const failing = new WorldSession(f.repo, f.world, () => {}, (ctx) => errors.push(ctx), async () => {
        throw new Error("503");
      });
      await failing.open();
      expect(errors).toEqual(["the server's copy of the layers (shown while they load)"]);
      expect(failing.layer(L1)?.tree?.nodes[N1]?.name).toBe("Live");
    });
  });
});
