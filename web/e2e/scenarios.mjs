// The browser suite's scenarios (run.mjs runs them in order). Each gets
// its own world and designers. They use the editor's UI where it exists
// and window.__atelier (web/src/hooks.ts) to observe; a step marked
// STAND-IN drives through the API what the UI cannot do yet, and says
// which UI should replace it.

import { check, same, serverParents, startServer, until } from "./lib.mjs";

/** A node as the server resolves it now (GET /api/worlds/{id}/scene), or null. */
async function serverNode(server, world, node, auth = { user: "e2e" }) {
  const scene = await server.api("GET", `/api/worlds/${world}/scene`, auth);
  return scene.layers[0].tree.nodes[node] ?? null;
}

/** {node: parent} from an outliner reading; throws if a node is listed twice. */
function parentsOf(rows, who) {
  const out = {};
  for (const r of rows) {
    check(!(r.node in out), `${who}'s outliner lists node ${r.node} twice`);
    out[r.node] = r.parent;
  }
  return out;
}

/** Throws unless following parents from every node reaches the root. */
function checkAcyclic(parents, who) {
  for (const start of Object.keys(parents)) {
    const seen = new Set();
    for (let n = start; n !== ""; n = parents[n]) {
      check(n in parents, `${who}: ${start}'s ancestor ${n} is not in the tree`);
      check(!seen.has(n), `${who}: ${start}'s ancestors form a cycle`);
      seen.add(n);
    }
  }
}

export const scenarios = [
  {
    name: "add node (UI): alice creates a world and adds a node; bob sees it in the outliner and the viewport",
    async run(t) {
      const a = t.designer("alice");
      const b = t.designer("bob");
      await a.open("/");
      await a.page.locator('form.create-world input[name="name"]').fill("E2E add");
      await a.page.locator("form.create-world button[type=submit]").click();
      await a.ready();
      const world = await a.eval(() => window.__atelier.worldId);
      await b.openWorld(world);
      check((await b.eval(() => window.__atelier.nodeCount())) === 0, "bob: a new world should have no nodes");

      const node = await a.addNode();
      const name = await a.field("name");
      await b.page.locator(`.outliner .node-row[data-node="${node}"]`).waitFor();
      const row = await b.page.locator(`.outliner .node-row[data-node="${node}"] .name`).textContent();
      check(row === name, `bob's outliner names the node "${row}", alice's inspector "${name}"`);
      const pos = await b.waitFor(
        "bob's viewport to draw the node",
        (n) => window.__atelier.nodeCount() === 1 && window.__atelier.viewportObjects() >= 1 && window.__atelier.screenPosition(n),
        node,
      );
      const box = await b.page.locator(".viewport").boundingBox();
      check(
        box && pos.x >= box.x && pos.x <= box.x + box.width && pos.y >= box.y && pos.y <= box.y + box.height,
        `bob draws the node at ${JSON.stringify(pos)}, outside the viewport ${JSON.stringify(box)}`,
      );
    },
  },

  {
    name: "inspector (UI): bob sets position x; alice sees the new transform",
    async run(t) {
      const world = await t.world("E2E inspector");
      const a = await t.designer("alice").openWorld(world.id);
      const b = await t.designer("bob").openWorld(world.id);
      const node = await a.addNode();
      const before = await a.waitFor("alice's viewport to draw the node", (n) => window.__atelier.screenPosition(n), node);
      await b.clickRow(node);
      await b.setField("t0", 4.5);
      await a.waitFor("alice's inspector to show position x 4.5", () => document.querySelector('.inspector input[name="t0"]')?.value === "4.5");
      await a.waitFor(
        "alice's viewport to move the node",
        ([n, p]) => {
          const q = window.__atelier.screenPosition(n);
          return q !== null && Math.hypot(q.x - p.x, q.y - p.y) > 2;
        },
        [node, before],
      );
      const s = await serverNode(t.server, world.id, node);
      check(s?.transform.t[0] === 4.5, `the server has position ${JSON.stringify(s?.transform.t)}, want x 4.5`);
    },
  },

  {
    name: "concurrent reparents forming a cycle (UI: outliner drag and drop, bob offline): both editors show the same valid tree",
    async run(t) {
      const world = await t.world("E2E cycle");
      const a = await t.designer("alice").openWorld(world.id);
      const b = await t.designer("bob").openWorld(world.id);
      const x = await a.addNode();
      await a.eval(() => window.__atelier.select(null));
      const y = await a.addNode();
      await b.waitFor("bob to have both nodes", ([x, y]) => window.__atelier.screenPosition(x) && window.__atelier.screenPosition(y), [x, y]);

      // bob goes offline; each drags one node onto the middle of the other's row.
      await b.offline();
      await a.dragRowInto(x, y);
      await until("the server to have x under y", async () => (await serverNode(t.server, world.id, x))?.parent === y);
      await b.dragRowInto(y, x);
      check((await b.outliner()).find((r) => r.node === y)?.parent === x, "bob's outliner should show y under x before he reconnects");
      await b.goOnline();

      // The server (Go's tree rules) breaks the cycle; both editors must agree with it.
      const want = await until("the server to hold both reparents", async () => {
        const scene = await t.server.api("GET", `/api/worlds/${world.id}/scene`, { user: "e2e" });
        const nodes = scene.layers[0].tree.nodes;
        return nodes[x]?.declaredParent === y || nodes[x]?.parent === y ? (nodes[y]?.declaredParent === x || nodes[y]?.parent === x ? nodes : null) : null;
      });
      check([x, y].some((n) => want[n].cycleBroken), "the server should mark one of the two as cycleBroken");
      // Wait for the tree and the cycle mark together: before bob's reparent
      // arrives, alice's own tree can already have the merged tree's shape.
      const expected = await serverParents(t.server, world.id);
      const serverBroken = [x, y].filter((n) => want[n].cycleBroken);
      for (const d of [a, b]) {
        const rows = await until(`${d.name}'s outliner to match the server's tree ${JSON.stringify(expected)} with ${JSON.stringify(serverBroken)} marked as breaking the cycle`, async () => {
          const r = await d.outliner();
          const broken = r.filter((row) => row.badges.includes("cycle")).map((row) => row.node);
          return same(sorted(parentsOf(r, d.name)), sorted(expected)) && same(broken, serverBroken) ? r : null;
        });
        checkAcyclic(parentsOf(rows, d.name), d.name);
      }
      const [ra, rb] = [await a.outliner(), await b.outliner()];
      check(same(ra, rb), `alice and bob draw different outliners:\n${JSON.stringify(ra)}\n${JSON.stringify(rb)}`);
    },
  },

  {
    name: "presence: alice selects a node in the outliner; bob sees alice's selection",
    async run(t) {
      const world = await t.world("E2E presence");
      const a = await t.designer("alice").openWorld(world.id);
      const b = await t.designer("bob").openWorld(world.id);
      const x = await a.addNode();
      await a.eval(() => window.__atelier.select(null));
      const y = await a.addNode();
      await b.page.locator(`.outliner .node-row[data-node="${x}"]`).waitFor();
      await a.clickRow(x);
      const peer = await b.waitFor(
        "bob to see alice present with node x selected",
        (n) => window.__atelier.peers().find((p) => p.user === "alice" && p.selection.length === 1 && p.selection[0] === n) ?? false,
        x,
      );
      await a.clickRow(y);
      await b.waitFor("bob to see alice's selection move to y", (n) => window.__atelier.peers().some((p) => p.user === "alice" && p.selection[0] === n), y);
      await a.waitFor("alice to see bob present", () => window.__atelier.peers().some((p) => p.user === "bob"));
      check(peer.colour !== "", "alice's presence should carry a colour");
    },
  },

  {
    name: "multi-selection (UI: box-select hook + shortcuts): alice groups, duplicates and deletes several nodes at once; bob sees the result",
    async run(t) {
      const world = await t.world("E2E multi");
      const a = await t.designer("alice").openWorld(world.id);
      const b = await t.designer("bob").openWorld(world.id);
      const [n1, n2, n3] = [await a.addNode(), await a.addNode(), await a.addNode()];
      const roots = async () => Object.entries(await serverParents(t.server, world.id)).filter(([, p]) => p === "").map(([id]) => id);

      check(await a.eval((ids) => window.__atelier.selectNodes(ids), [n1, n3]), "alice: selecting two nodes");
      await a.page.keyboard.press("Control+g");
      const group = await a.waitFor("alice to select the new group", (ns) => {
        const s = window.__atelier.selection()?.node;
        return s && !ns.includes(s) ? s : false;
      }, [n1, n2, n3]);
      await until("the server to hold n1 and n3 under the group, n2 beside it", async () => {
        const p = await serverParents(t.server, world.id);
        return p[n1] === group && p[n3] === group && p[n2] === "" && p[group] === "";
      });

      check(await a.eval((ids) => window.__atelier.selectNodes(ids), [group, n1, n2]), "alice: selecting the group, a child of it and n2");
      await a.page.keyboard.press("Control+d");
      await until("the server to hold copies of the group (with both children) and of n2, not a separate copy of n1", async () => {
        const p = await serverParents(t.server, world.id);
        return Object.keys(p).length === 8; // 4 + a group copy with its 2 children + a copy of n2
      });
      const copies = await a.eval(() => window.__atelier.selectedNodes());
      check(copies.length === 2, `alice should have the two copies selected, has ${JSON.stringify(copies)}`);

      await a.page.keyboard.press("Delete");
      await until("the server to hold the originals only", async () => {
        const r = await roots();
        return Object.keys(await serverParents(t.server, world.id)).length === 4 && r.length === 2 && r.includes(group) && r.includes(n2);
      });
      await b.waitFor("bob to see the same four nodes", () => window.__atelier.nodeCount() === 4);
    },
  },

  {
    name: "time travel (UI: history panel): alice opens the version before bob's edits and sees the older state",
    async run(t) {
      const world = await t.world("E2E history");
      const a = await t.designer("alice").openWorld(world.id);
      const b = await t.designer("bob").openWorld(world.id);
      const node = await a.addNode();
      await a.setField("name", "Before");
      await until("the server to have alice's rename", async () => (await serverNode(t.server, world.id, node))?.name === "Before");
      // The version to open: the newest change of the layer now (alice's rename).
      const layer = world.layers[0].id;
      const { changes } = await t.server.api("GET", `/api/worlds/${world.id}/history?layer=${layer}&limit=1`, { user: "e2e" });
      const hash = changes[0].hash;

      await b.clickRow(node);
      await b.setField("name", "After");
      await b.setField("t0", 7);
      await a.waitFor("alice to see bob's edits", () =>
        document.querySelector('.inspector input[name="name"]')?.value === "After" && document.querySelector('.inspector input[name="t0"]')?.value === "7");

      const row = a.page.locator(`.outliner .node-row[data-node="${node}"] .name`);
      const entry = a.page.locator(`li.entry[data-hash="${hash}"] .entry-view`);
      await until("alice's history panel to list the version", async () => {
        if ((await entry.count()) > 0) return true;
        await a.page.getByRole("button", { name: "Refresh" }).click();
        return false;
      });
      await entry.click();
      await a.page.getByText("Viewing version", { exact: false }).waitFor();
      await until("alice's outliner to show the node as it was (\"Before\")", async () => (await row.textContent()) === "Before");
      await a.clickRow(node);
      const note = await a.page.locator(".inspector .read-only").textContent();
      check(/past version/.test(note ?? ""), `alice's inspector should say why it is read-only (a past version), not "${note}"`);
      await a.page.getByRole("button", { name: "Back to live" }).click();
      await until("alice's outliner to show the live node again (\"After\")", async () => (await row.textContent()) === "After");
    },
  },

  {
    // Offline = alice's sync websocket cut (HTTP still up, so the page can
    // reload from the server and the documents from IndexedDB).
    name: "offline (UI edits): alice edits offline and reloads, bob edits meanwhile; both converge on reconnect",
    async run(t) {
      const world = await t.world("E2E offline");
      const a = await t.designer("alice").openWorld(world.id);
      const b = await t.designer("bob").openWorld(world.id);
      const n = await a.addNode();
      const m = await b.addNode();
      await a.page.locator(`.outliner .node-row[data-node="${m}"]`).waitFor();
      await b.page.locator(`.outliner .node-row[data-node="${n}"]`).waitFor();

      await a.offline();
      await a.clickRow(n);
      await a.setField("t0", 3);
      await b.setField("name", "Renamed while alice was offline");
      await until("the server to have bob's rename", async () => (await serverNode(t.server, world.id, m))?.name === "Renamed while alice was offline");
      const seen = await a.page.locator(`.outliner .node-row[data-node="${m}"] .name`).textContent();
      check(seen !== "Renamed while alice was offline", "alice is offline but got bob's rename");

      await a.page.reload();
      await a.ready();
      check((await a.eval(() => window.__atelier.connection())) !== "online", "alice should still be offline after the reload");
      await a.eval((n) => window.__atelier.select(n), n);
      await a.waitFor("alice's reloaded page to keep her offline edit (x 3)", () => document.querySelector('.inspector input[name="t0"]')?.value === "3");
      check((await serverNode(t.server, world.id, n))?.transform.t[0] !== 3, "the server has alice's offline edit while she is offline");

      await a.goOnline();
      await a.page.locator(`.outliner .node-row[data-node="${m}"] .name`, { hasText: "Renamed while alice was offline" }).waitFor();
      await b.clickRow(n);
      await b.waitFor("bob to get alice's offline edit (x 3)", () => document.querySelector('.inspector input[name="t0"]')?.value === "3");
      const [sn, sm] = [await serverNode(t.server, world.id, n), await serverNode(t.server, world.id, m)];
      check(sn?.transform.t[0] === 3 && sm?.name === "Renamed while alice was offline", `the server should hold both edits: ${JSON.stringify([sn, sm])}`);
    },
  },

  {
    name: "errors are shown: a viewer gets a read-only editor, and a write the server refuses (4403) appears in the status bar",
    async run(t) {
      const srv = await startServer({ secret: "e2e-only-secret-0123456789abcdef0123456789" });
      t.defer(() => srv.stop());
      const ownerToken = srv.token(["--user", "olivia", "--all-worlds", "owner"]);
      const world = await srv.api("POST", "/api/worlds", { token: ownerToken, body: { name: "E2E viewer" } });
      const o = await t.designer("olivia (owner)", srv).openWorld(world.id, { token: ownerToken });
      const node = await o.addNode();
      await until("the server to have olivia's node", async () => (await serverNode(srv, world.id, node, { token: ownerToken })) !== null);
      const viewerToken = srv.token(["--user", "victor", "--world", world.id, "--role", "viewer"]);

      // The editor knows the role: nothing to click.
      const v = await t.designer("victor (viewer)", srv).openWorld(world.id, { token: viewerToken });
      check((await v.page.locator(".role").textContent()) === "viewer", "the title should show the viewer role");
      check(await v.page.locator("button.add-node").isDisabled(), "Add should be disabled for a viewer");
      await v.clickRow(node);
      check(await v.page.locator('.inspector input[name="t0"]').isDisabled(), "the inspector should be read-only for a viewer");
      await v.page.locator(".inspector .read-only").waitFor();

      // The editor thinks it may write (as when the role was lowered after
      // the page loaded): the server refuses the change and closes the
      // connection with 4403, and the status bar says so.
      const w = t.designer("victor (stale role)", srv);
      await w.openWorld(world.id, {
        token: viewerToken,
        async before(context) {
          await context.route(/\/api\/worlds\/[^/?]+(\?|$)/, async (route) => {
            const res = await route.fetch();
            const body = await res.json();
            await route.fulfill({ response: res, json: { ...body, role: "editor" } });
          });
        },
      });
      await w.page.locator("button.add-node").click();
      await w.waitFor("the refusal in the status bar", () => /4403/.test(document.querySelector(".status-bar")?.textContent ?? ""));
      const errors = await w.eval(() => window.__atelier.errors());
      check(errors.some((e) => e.includes("4403")), `the errors hook should hold the refusal: ${JSON.stringify(errors)}`);
      const scene = await srv.api("GET", `/api/worlds/${world.id}/scene`, { token: ownerToken });
      check(Object.keys(scene.layers[0].tree.nodes).length === 1, "the server must not have taken the viewer's node");
    },
  },
  {
    name: "review (UI: WHIP publish page, WHEP watch, pause, draw, note): bob publishes a canvas, alice and carol watch, alice pauses both on one frame, draws a note; the task appears for both; the recording plays for both and cannot be deleted while watched",
    async run(t) {
      const review = await t.server.api("POST", "/api/reviews", { user: "alice", body: { title: "E2E review" } });
      const pub = await t.designer("bob").open(`/reviews/${review.id}/publish`, { route: false });
      await pub.page.locator("button.publish-canvas-start").click();
      await pub.waitFor("bob's page to publish", () => window.__publish?.state() === "publishing");
      const a = await t.designer("alice").open(`/reviews/${review.id}`, { route: false });
      const c = await t.designer("carol").open(`/reviews/${review.id}`, { route: false });
      for (const d of [a, c]) {
        const first = await d.waitFor(`${d.name}'s video to show frames`, () => (window.__review?.framesSeen() ?? 0) > 5 && window.__review.framesSeen());
        await d.waitFor(`${d.name}'s frames to advance`, (n) => window.__review.framesSeen() > n + 10, first);
      }
      check((await a.eval(() => window.__review.role())) === "driver", "alice started the review: she drives");
      check((await c.eval(() => window.__review.role())) === "annotator", "carol joins as annotator (local mode: every user may review)");

      await a.page.locator("button.review-pause").click();
      const held = await a.waitFor("alice to hold a frame", () => window.__review.held());
      const carolHeld = await c.waitFor("carol to hold a frame", () => window.__review.held());
      // The driver paused on a frame she presented. Carol holds that frame if her page presented it; a
      // page that skipped it (Chromium presents at most one frame per display refresh) holds the one
      // before it, which it says (exact: false), a frame interval (3000 ticks at 30 fps) or two earlier.
      check(held.exact, `alice should hold the frame she paused on: ${JSON.stringify(held)}`);
      const behind = (held.rtp - carolHeld.rtp) >>> 0;
      check(carolHeld.exact ? carolHeld.rtp === held.rtp : behind > 0 && behind <= 6000,
        `carol should hold alice's frame (or say she holds the nearest earlier one): alice ${JSON.stringify(held)}, carol ${JSON.stringify(carolHeld)}`);
      const state = await c.eval(() => window.__review.state());
      check(state.paused && state.rtpTimestamp === held.rtp && state.mediaTime > 0, `shared state ${JSON.stringify(state)}`);

      const ink = a.page.locator(".review-ink");
      const box = await ink.boundingBox();
      await a.page.locator('button[data-tool="rect"]').click();
      await a.page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
      await a.page.mouse.down();
      await a.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 5 });
      await a.page.mouse.up();
      await a.page.locator('textarea[name="note"]').fill("The moving box clips the edge");
      await a.page.locator('input[name="task-title"]').fill("Fix the clipping box");
      await a.page.locator("button.save-annotation").click();
      for (const d of [a, c]) {
        await d.waitFor(`${d.name} to see the task`, () => window.__review.tasks().some((t) => t.title === "Fix the clipping box"));
        await d.waitFor(`${d.name} to see the note on the timeline`, () => window.__review.annotations() === 1);
      }
      const notes = await t.server.api("GET", `/api/reviews/${review.id}/annotations`, { user: "e2e" });
      const note = notes.annotations[0];
      check(note.rtpTimestamp === held.rtp && note.shapes[0].kind === "rect" && note.text === "The moving box clips the edge", `stored note ${JSON.stringify(note)}`);
      await until("the frame image to be uploaded", async () => {
        const n = (await t.server.api("GET", `/api/reviews/${review.id}/annotations`, { user: "e2e" })).annotations[0];
        return n.frameType === "image/jpeg";
      });

      await a.page.locator("button.review-pause").click(); // resume
      await c.waitFor("carol to go back to live", () => window.__review.held() === null && !window.__review.state().paused);

      // The stream was recorded: alice and carol watch the recording together, alice drives.
      await pub.page.getByRole("button", { name: "Stop" }).click();
      await a.waitFor("alice to list the recording", () => window.__review.recordings() === 1, undefined, 30_000);
      await c.waitFor("carol to list the recording", () => window.__review.recordings() === 1, undefined, 30_000);
      for (const d of [a, c]) await d.page.locator("button.watch-recording").click();
      await a.waitFor("alice to watch the recording", () => window.__review.playback() !== null);
      await a.page.locator("button.recording-play").click();
      for (const d of [a, c]) {
        const n = await d.waitFor(`${d.name}'s recording to show frames`, () => window.__review.framesSeen());
        await d.waitFor(`${d.name}'s recording frames to advance`, (k) => window.__review.framesSeen() > k + 10, n);
      }
      await a.page.locator("button.recording-play").click(); // pause for everyone
      const at = await c.waitFor("carol to see the playback paused", () => {
        const p = window.__review.playback();
        return p !== null && !p.playing && p.mediaTime > 0 && p.mediaTime;
      });
      await a.page.locator('textarea[name="note"]').fill("On the recording");
      await a.page.locator("button.save-annotation").click();
      await a.waitFor("alice's note on the recording", () => window.__review.annotations() === 2).catch(async (err) => {
        throw new Error(`${err.message}; alice's status bar: ${JSON.stringify(await a.eval(() => window.__atelier?.errors()))}`);
      });
      const notes2 = (await t.server.api("GET", `/api/reviews/${review.id}/annotations`, { user: "e2e" })).annotations;
      const onRec = notes2.find((n) => n.text === "On the recording");
      check(onRec && Math.abs(onRec.mediaTime - at) < 0.001, `the note on the recording should land at ${at} s: ${JSON.stringify(onRec)}`);

      // Only alice, who made the session, may delete its recording, and not while it is watched.
      check((await c.page.locator("button.delete-recording").count()) === 0, "carol did not make the session: no Delete button");
      a.page.once("dialog", (d) => void d.accept());
      await a.page.locator("button.delete-recording").click();
      await a.waitFor("the refusal in alice's status bar", () => /being watched/.test(document.querySelector(".status-bar")?.textContent ?? ""));
      check((await a.eval(() => window.__review.recordings())) === 1, "the recording stays while it is watched");
    },
  },
];

function sorted(o) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}
