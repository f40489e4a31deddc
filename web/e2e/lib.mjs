// Shared parts of the browser suite (run.mjs) and the browser benchmark
// (bench.mjs): the real server (bin/atelier serve on a free port, stopped on
// exit), Debian's Chromium driven by playwright-core, a designer (one browser
// context and page, whose sync websocket can be cut to go offline), bounded
// waits, and a stock automerge-repo peer for what the editor cannot do yet.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, "../..");
/** The server binary (make build). */
export const BIN = join(ROOT, "bin/atelier");
/** Chromium: Debian's package (.ci/setup installs it); CHROMIUM overrides. */
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** Headless; with --disable-gpu, WebGL falls back to SwiftShader (software). */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
  // WebRTC between pages and the server on loopback (review streams).
  "--allow-loopback-in-peer-connection", "--use-fake-ui-for-media-stream", "--disable-features=WebRtcHideLocalIpsWithMdns",
];
/** The default bound on any single wait, in ms (E2E_TIMEOUT_MS overrides). */
export const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 20_000);

/** Launches Chromium; a clear error if it is missing. */
export async function launchBrowser() {
  try {
    readFileSync(CHROMIUM);
  } catch {
    throw new Error(`no Chromium at ${CHROMIUM}: run .ci/setup (apt-get install chromium) or set CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: TIMEOUT_MS });
}

/** Every live server, stopped when the process exits however it exits. */
const servers = new Set();
process.on("exit", () => {
  for (const s of servers) s.kill();
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    for (const s of servers) s.kill();
    process.exit(130);
  });
}

/**
 * Starts `bin/atelier serve` on 127.0.0.1:0 with a fresh SQLite data
 * directory (and a token secret if given), and waits for its
 * "listening on" line.
 */
export async function startServer({ secret } = {}) {
  try {
    readFileSync(BIN);
  } catch {
    throw new Error(`no server binary at ${BIN}: run make build first`);
  }
  const data = mkdtempSync(join(tmpdir(), "atelier-e2e-"));
  const args = ["serve", "--addr", "127.0.0.1:0", "--data", data, "--log-level", process.env.E2E_LOG_LEVEL ?? "warn"];
  if (secret) args.push("--secret", secret);
  const proc = spawn(BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not report its address within ${TIMEOUT_MS} ms:\n${log}`)), TIMEOUT_MS);
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (chunk) => {
      log += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}) before listening:\n${log}`));
    });
  });
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    rmSync(data, { recursive: true, force: true });
  };
  servers.add({ kill });
  return {
    base,
    secret,
    log: () => log,
    /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its data. */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((ok) => proc.once("exit", ok));
        proc.kill("SIGTERM");
        const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(data, { recursive: true, force: true });
    },
    /** Calls the HTTP API as user (local mode) or with a token; throws on a non-2xx status. */
    async api(method, path, { user, token, body } = {}) {
      const url = new URL(path, base);
      const headers = {};
      if (token) headers.Authorization = `Bearer ${token}`;
      else if (user) url.searchParams.set("user", user);
      const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text === "" ? null : JSON.parse(text);
    },
    /** Mints a token with `atelier token` (secret servers only). */
    token(args) {
      return execFileSync(BIN, ["token", "--secret", secret, ...args], { encoding: "utf8" }).trim();
    },
  };
}

/** Polls fn (async) until it returns a truthy value or timeout ms pass; throws saying what was awaited. */
export async function until(what, fn, timeout = TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Throws with message unless cond. */
export function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** Deep equality through JSON (the values compared here are plain). */
export function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A designer: one browser context (its own localStorage and IndexedDB)
 * and page. Its sync websocket goes through a route so the test can cut
 * it (offline) and let it reconnect (online); HTTP keeps working, as when
 * only the sync server is unreachable.
 */
export class Designer {
  online = true;
  #links = new Set();
  /** Console errors and page errors, printed when a scenario fails. */
  logs = [];

  constructor(name, browser, server) {
    this.name = name;
    this.browser = browser;
    this.server = server;
  }

  /**
   * Opens path (e.g. /worlds/ID) as this designer: ?user=NAME, or ?token=
   * when given; before(context) can add routes first. With route: false
   * the sync websocket goes straight to the server (no offline switch):
   * Playwright's routing relays every frame through the driver, which
   * adds tens of milliseconds that a latency measurement must not count.
   */
  async open(path, { token, before, route = true } = {}) {
    this.context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
    this.context.setDefaultTimeout(TIMEOUT_MS);
    this.routed = route;
    if (route) await this.#route();
    if (before) await before(this.context);
    this.page = await this.context.newPage();
    this.page.on("console", (m) => {
      if (m.type() === "error") this.logs.push(`console: ${m.text()}`);
    });
    this.page.on("pageerror", (e) => this.logs.push(`page error: ${e.message}`));
    const q = token ? `token=${encodeURIComponent(token)}` : `user=${encodeURIComponent(this.name)}`;
    await this.page.goto(`${this.server.base}${path}${path.includes("?") ? "&" : "?"}${q}`);
    return this;
  }

  /** Routes the sync websocket through Playwright so offline() can cut it. */
  async #route() {
    await this.context.routeWebSocket(/\/sync(\?|$)/, (ws) => {
      if (!this.online) {
        ws.close({ code: 1000, reason: "e2e: offline" });
        return;
      }
      const server = ws.connectToServer();
      const link = { ws, server };
      this.#links.add(link);
      // A close handler turns off Playwright's own forwarding of closes: forward them here.
      ws.onClose((code, reason) => {
        this.#links.delete(link);
        void server.close(closeArgs(code, reason)).catch(() => {});
      });
      server.onClose((code, reason) => {
        this.#links.delete(link);
        void ws.close(closeArgs(code, reason)).catch(() => {});
      });
    });
  }

  /** Opens a world's editor and waits until its layers are in. */
  async openWorld(id, opts) {
    await this.open(`/worlds/${id}`, opts);
    await this.ready();
    return this;
  }

  /** Waits until the editor's layers are in (window.__atelier.ready()). */
  async ready() {
    await this.waitFor("the editor to be ready", () => window.__atelier?.page === "editor" && window.__atelier.ready());
  }

  /** Evaluates fn in the page. */
  eval(fn, arg) {
    return this.page.evaluate(fn, arg);
  }

  /** Waits (bounded) until fn(arg) is truthy in the page; the error says who waited for what. */
  async waitFor(what, fn, arg, timeout = TIMEOUT_MS) {
    try {
      return await (await this.page.waitForFunction(fn, arg, { timeout, polling: 50 })).jsonValue();
    } catch (err) {
      throw new Error(`${this.name}: timed out after ${timeout} ms waiting for ${what} (${err.message.split("\n")[0]})`);
    }
  }

  /** Cuts the sync websocket and refuses new ones until online(). */
  async offline() {
    if (!this.routed) throw new Error(`${this.name}: offline() needs the websocket routed (open without route: false)`);
    this.online = false;
    for (const { ws, server } of this.#links) {
      await server.close().catch(() => {});
      await ws.close({ code: 1000, reason: "e2e: offline" }).catch(() => {});
    }
    this.#links.clear();
    await this.waitFor("the status bar to say offline", () => window.__atelier.connection() === "offline");
  }

  /** Lets the sync websocket reconnect (the editor retries every 3 s). */
  async goOnline() {
    this.online = true;
    await this.waitFor("the sync connection to come back", () => window.__atelier.connection() === "online");
  }

  /** The outliner as drawn: rows in order with depth, and the parent each depth implies. */
  outliner() {
    return this.eval(() =>
      [...document.querySelectorAll(".outliner .node-row")].map((r) => ({
        node: r.dataset.node,
        name: r.querySelector(".name")?.textContent ?? "",
        depth: Math.round((parseFloat(r.style.paddingLeft) - 0.5) / 1.1),
        badges: [...r.querySelectorAll(".badge")].map((b) => b.textContent),
      })),
    ).then(withParents);
  }

  /** Selects a node by clicking its outliner row. */
  async clickRow(node) {
    await this.page.locator(`.outliner .node-row[data-node="${node}"]`).click();
    await this.waitFor(`node ${node} to be selected`, (n) => window.__atelier.selection()?.node === n, node);
  }

  /** Drags node's outliner row onto the middle of target's row (reparent inside it), and waits for the outliner to show it. */
  async dragRowInto(node, target) {
    const row = (n) => this.page.locator(`.outliner .node-row[data-node="${n}"]`);
    const box = await row(target).boundingBox();
    check(box !== null, `${this.name}: no outliner row for ${target}`);
    await row(node).dragTo(row(target), { targetPosition: { x: box.width / 2, y: box.height / 2 } });
    await until(`${this.name}'s outliner to show ${node} under ${target}`, async () => (await this.outliner()).find((r) => r.node === node)?.parent === target);
  }

  /** Adds a node with the toolbar ("Add"), returns its id (the editor selects it). */
  async addNode() {
    const before = await this.eval(() => window.__atelier.selection()?.node ?? null);
    await this.page.locator("button.add-node").click();
    return this.waitFor("the new node to be selected", (b) => {
      const s = window.__atelier.selection()?.node ?? null;
      return s !== null && s !== b ? s : false;
    }, before);
  }

  /** Types value into an inspector field (by input name, e.g. "t0" or "name") and commits it. */
  async setField(field, value) {
    const input = this.page.locator(`.inspector input[name="${field}"]`);
    await input.fill(String(value));
    await input.press("Enter");
    await input.blur();
  }

  /** The inspector field's value. */
  field(field) {
    return this.page.locator(`.inspector input[name="${field}"]`).inputValue();
  }

  async screenshot(path) {
    if (this.page && !this.page.isClosed()) await this.page.screenshot({ path, timeout: 10_000 }).catch(() => {});
  }

  async close() {
    await this.context?.close().catch(() => {});
  }
}

/** A close's code and reason as ws.close takes them (1005 and 1006 cannot be sent). */
function closeArgs(code, reason) {
  return code === undefined || code === 1005 || code === 1006 ? {} : { code, reason };
}

/** Adds each row's parent (the nearest shallower row above it; "" at depth 0). */
function withParents(rows) {
  const stack = [];
  for (const r of rows) {
    stack.length = r.depth;
    r.parent = r.depth === 0 ? "" : (stack[r.depth - 1] ?? "?");
    stack[r.depth] = r.node;
  }
  return rows;
}

/** The server's resolved scene as {node: parent} for one layer (GET /api/worlds/{id}/scene). */
export async function serverParents(server, world, user = "e2e") {
  const scene = await server.api("GET", `/api/worlds/${world}/scene`, { user });
  const out = {};
  for (const n of Object.values(scene.layers[0].tree.nodes)) out[n.id] = n.parent;
  return out;
}

/** A stock automerge-repo peer over the server's /sync websocket (no storage). */
export function scriptPeer(server, user) {
  const url = `${server.base.replace(/^http/, "ws")}/sync?user=${encodeURIComponent(user)}`;
  return new Repo({ network: [new WebSocketClientAdapter(url)], peerId: `e2e-${user}-${Math.random().toString(36).slice(2, 8)}` });
}

/** Creates a directory (and parents). */
export function ensureDir(dir) {
  mkdirSync(dir, { recursive: true });
  return dir;
}
