#!/usr/bin/env node
// Browser measurements (reported, never asserted; not part of make test):
//   1. open a world whose layer holds 10,000 nodes: time to the editor being
//      ready and to the first frame drawing them (ms since navigation start);
//   2. edit → remote repaint: alice types a new position x in the inspector,
//      bob's page notes the frame where the node moved; p50/p95 over EDITS;
//   3. frame times while orbiting the 10k world with the mouse.
// Same setup as the suite: bin/atelier serve (SQLite, fresh directory),
// Debian's Chromium with software WebGL (SwiftShader). Run `make build` first.
//
//   npm run bench:e2e        (NODES=10000 EDITS=30 ORBIT_MS=3000)

import { join } from "node:path";
import { ImmutableString } from "@automerge/automerge";
import { Designer, ROOT, ensureDir, launchBrowser, scriptPeer, startServer, until } from "./lib.mjs";

const NODES = Number(process.env.NODES ?? 10_000);
const EDITS = Number(process.env.EDITS ?? 30);
const ORBIT_MS = Number(process.env.ORBIT_MS ?? 3000);
/** ONLY=open (open + orbit) or ONLY=repaint runs one part. */
const ONLY = process.env.ONLY ?? "";
const SHOTS = ensureDir(join(ROOT, "web/e2e/screenshots"));

const server = await startServer();
const browser = await launchBrowser();
const designers = [];
const results = {};
try {
  console.log(`bench: server ${server.base}, Chromium ${browser.version()}`);
  if (ONLY !== "repaint") {
    const big = await seedWorld(NODES);
    results.open = await measureOpen(big);
    results.orbit = await measureOrbit(big);
  }
  if (ONLY !== "open") results.repaint = await measureRepaint();
} finally {
  for (const d of designers) await d.close();
  await browser.close().catch(() => {});
  await server.stop();
}
console.log(JSON.stringify(results, null, 2));
console.log(`bench: screenshots in ${SHOTS}`);
process.exit(0);

/** A world whose layer holds n nodes (groups of 100 on a grid), written by a script peer in one change. */
async function seedWorld(n) {
  const world = await server.api("POST", "/api/worlds", { user: "seed", body: { name: `Bench ${n}` } });
  const repo = scriptPeer(server, "seed");
  const t0 = Date.now();
  const h = await repo.find(world.layers[0].url, { signal: AbortSignal.timeout(30_000) });
  h.change((d) => {
    let group = "";
    for (let i = 0; i < n; i++) {
      const id = crypto.randomUUID();
      const isGroup = i % 100 === 0;
      const g = Math.floor(i / 100);
      d.nodes[id] = {
        name: isGroup ? `Group ${g}` : `Crate ${i}`,
        parent: new ImmutableString(isGroup ? "" : group),
        order: new ImmutableString(orderKey(isGroup ? g : i % 100)),
        kind: new ImmutableString(isGroup ? "group" : "mesh"),
        transform: {
          t: isGroup ? [(g % 10) * 12 - 54, 0, Math.floor(g / 10) * 12 - 54] : [(i % 10) - 4.5, 0.5, Math.floor((i % 100) / 10) - 4.5],
          r: [0, 0, 0, 1],
          s: isGroup ? [1, 1, 1] : [0.6, 0.6, 0.6],
        },
        components: {},
        asset: new ImmutableString(""),
      };
      if (isGroup) group = id;
    }
  });
  await until("the server to hold the seeded layer", async () => {
    const scene = await server.api("GET", `/api/worlds/${world.id}/scene`, { user: "seed" });
    return Object.keys(scene.layers[0].tree.nodes).length === n;
  }, 120_000);
  await repo.shutdown();
  console.log(`bench: seeded ${n} nodes in ${Date.now() - t0} ms`);
  return world;
}

/** A fractional-index key for integer i: "c" and three base-62 digits. */
function orderKey(i) {
  const D = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return `c${D[Math.floor(i / 3844) % 62]}${D[Math.floor(i / 62) % 62]}${D[i % 62]}`;
}

async function designer(name) {
  const d = new Designer(name, browser, server);
  designers.push(d);
  return d;
}

/** Opens the big world in a fresh context (nothing in IndexedDB): ms from navigation start. */
async function measureOpen(world) {
  const d = await designer("carol");
  await d.open(`/worlds/${world.id}`, { route: false });
  const shown = await d.waitFor("the 10k world to be shown", (n) => {
    const h = window.__atelier;
    if (!h || h.page !== "editor" || h.nodeCount() < n || h.viewportObjects() < n) return false;
    return new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok({
      shownMs: Math.round(performance.now()),
      shownFrom: h.layers().some((l) => l.preview) ? "the server's copy (read-only)" : "the live document",
      previewRequestedMs: Math.round(performance.getEntriesByName("atelier:preview-requested")[0]?.startTime ?? -1),
      previewFetchedMs: Math.round(performance.getEntriesByName("atelier:preview-fetched")[0]?.startTime ?? -1),
    }))));
  }, NODES, 180_000);
  const t = await d.waitFor("the 10k world to be live", (n) => {
    const h = window.__atelier;
    if (!h || h.page !== "editor" || !h.ready() || h.nodeCount() < n || h.viewportObjects() < n) return false;
    performance.mark("e2e:drawn");
    return new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => {
      performance.mark("e2e:painted");
      const nav = performance.getEntriesByType("navigation")[0];
      ok({
        domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
        drawnMs: Math.round(performance.getEntriesByName("e2e:drawn")[0].startTime),
        firstFrameMs: Math.round(performance.getEntriesByName("e2e:painted")[0].startTime),
        viewportObjects: h.viewportObjects(),
      });
    })));
  }, NODES, 180_000);
  await d.screenshot(join(SHOTS, "bench-open-10k.png"));
  return {
    nodes: NODES, ...shown, ...t,
    note: "ms since navigation start; shown = every node drawn, two frames later; drawn = the live document ready with every node in the scene graph, firstFrame = two frames later",
  };
}

/** Drags across the viewport for ORBIT_MS while the page records frame intervals. */
async function measureOrbit(world) {
  const d = designers.find((x) => x.name === "carol");
  const box = await d.page.locator(".viewport").boundingBox();
  await d.eval(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (window.__frames.length < 100_000 && !window.__stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await d.page.mouse.move(cx, cy);
  await d.page.mouse.down();
  const t0 = Date.now();
  let i = 0;
  while (Date.now() - t0 < ORBIT_MS) {
    i++;
    await d.page.mouse.move(cx + Math.sin(i / 10) * box.width * 0.3, cy + Math.cos(i / 13) * box.height * 0.2, { steps: 2 });
  }
  await d.page.mouse.up();
  const frames = await d.eval(() => {
    window.__stopFrames = true;
    return window.__frames.slice(1);
  });
  await d.screenshot(join(SHOTS, "bench-orbit-10k.png"));
  const s = stats(frames);
  return { nodes: NODES, durationMs: ORBIT_MS, frames: frames.length, fps: Math.round((1000 * frames.length) / frames.reduce((a, b) => a + b, 0)), frameMs: s };
}

/** alice edits position x in the inspector EDITS times; bob's page notes when the node moves. */
async function measureRepaint() {
  const world = await server.api("POST", "/api/worlds", { user: "alice", body: { name: "Bench repaint" } });
  const a = await designer("alice");
  const b = await designer("bob");
  await a.openWorld(world.id, { route: false, before: logSockets });
  await b.openWorld(world.id, { route: false, before: logSockets });
  const node = await a.addNode();
  await b.waitFor("bob to draw the node", (n) => window.__atelier.screenPosition(n), node);
  await b.eval((n) => {
    window.__moves = [];
    let last = JSON.stringify(window.__atelier.screenPosition(n));
    const tick = () => {
      const now = JSON.stringify(window.__atelier.screenPosition(n));
      if (now !== last) window.__moves.push(Date.now());
      last = now;
      if (!window.__stopMoves) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, node);
  const latencies = [];
  for (let i = 1; i <= EDITS; i++) {
    await a.setField("t0", i % 2 === 0 ? i / 10 : -i / 10);
    const sent = await a.waitFor("alice's edit", (prev) => window.__atelier.lastLocalChangeAt() > prev && window.__atelier.lastLocalChangeAt(), latencies.at(-1)?.sent ?? 0);
    const seen = await b.waitFor("bob's repaint", (s) => window.__moves.find((t) => t >= s) ?? false, sent);
    const out = await a.eval((s) => window.__ws.find((m) => m.out && m.t >= s)?.t ?? null, sent);
    const arrived = await b.eval((s) => window.__ws.find((m) => !m.out && m.t >= s)?.t ?? null, sent);
    const changed = await b.eval(() => window.__atelier.lastRemoteChangeAt());
    const painted = await b.waitFor("bob's render of the change", (s) => window.__atelier.lastRepaintAt() >= s && window.__atelier.lastRepaintAt(), sent);
    latencies.push({ sent, ms: seen - sent, out: out === null ? null : out - sent, arrived: arrived === null ? null : arrived - sent, changed: changed - sent, painted: painted - sent });
  }
  await b.eval(() => (window.__stopMoves = true));
  const arrival = await b.eval(() => window.__atelier.repaintDelays());
  await b.screenshot(join(SHOTS, "bench-repaint-bob.png"));
  return {
    edits: EDITS,
    renderedMs: stats(latencies.map((l) => l.painted)),
    seenMs: stats(latencies.map((l) => l.ms)),
    sentMs: stats(latencies.filter((l) => l.out !== null).map((l) => l.out)),
    receivedMs: stats(latencies.filter((l) => l.arrived !== null).map((l) => l.arrived)),
    remoteChangeMs: stats(latencies.map((l) => l.changed)),
    arrivalToRepaintMs: stats(arrival.slice(-EDITS)),
    note: "sentMs / receivedMs: alice's local change to her websocket sending the next message / bob's websocket receiving the next one (same clock, one machine); renderedMs: alice's local change (Date.now) to bob's viewport having rendered the frame with it (the page's own probe); seenMs: the same to the next animation frame of a separate loop polling the node's screen position (an upper bound, up to one frame later); arrivalToRepaintMs: the change reaching bob's document to the frame that draws it; websockets not routed through Playwright",
  };
}

/** Notes the time of every websocket message a page sends or receives (window.__ws). */
async function logSockets(context) {
  await context.addInitScript(() => {
    window.__ws = [];
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", () => window.__ws.push({ out: false, t: Date.now() }));
      }
      send(data) {
        window.__ws.push({ out: true, t: Date.now() });
        return super.send(data);
      }
    };
  });
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10;
  return { p50: q(0.5), p95: q(0.95), max: q(1) };
}
