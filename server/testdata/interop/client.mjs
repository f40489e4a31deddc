#!/usr/bin/env node
// A stock automerge-repo client for interop tests, driven from the command
// line. It connects a Repo (no storage) to one WebSocket server, opens one
// document, runs one scenario and prints JSON lines on stdout. See README.md.
//
//   node client.mjs --url ws://127.0.0.1:PORT/sync?user=alice \
//     --doc automerge:XXX|new --script NAME [options]
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { Repo, isValidAutomergeUrl } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import {
  EXIT, TimeoutError, emit, fail, getPath, hexHeads, jsonEqual, now, parseJSONArg,
  parseNumberArg, setPath, sleep, toPlain, until,
} from "./lib.mjs";

const USAGE = `usage: node client.mjs --url WS_URL --doc automerge:ID|new --script NAME [options]

common:   --peer-id ID          (default client-<random>)
          --timeout MS          whole-run deadline (default 30000)
          --connect-timeout MS  deadline for the first "peer" reply (default 10000)
          --exit-on-close       exit 5 when the server closes the socket (else the adapter reconnects)
          --find-timeout MS     deadline for finding the doc (default 10000)
          --flush-timeout MS    deadline for the server to acknowledge our heads (default 10000)
          --no-flush            do not wait for the server to hold our changes before "done"
          --quiet-changes       do not print "changed" events
scripts:
  dump                          print the doc and exit
  set-node  [--node ID] [--name S] [--parent ID] [--order S] [--kind S] [--asset S]
            [--until PATH=JSON]... [--until-exists PATH]... [--until-nodes N]
  wait-for  --path PATH (--value JSON | --exists)
  watch     --path PATH [--value JSON]        print every value PATH takes (until it equals JSON)
  edit-loop --node ID [--path REL] [--count N] [--rate HZ] [--create]
  presence  [--payload JSON] [--count N] [--interval MS] [--expect N] [--linger MS]
            broadcast every MS until N sent and --expect heard, then for --linger MS; print what arrives
exit codes: 0 ok, 1 failure, 2 timeout, 3 document unavailable, 4 could not connect
            (no "peer" reply in time, or the upgrade was refused with an HTTP status),
            5 closed by the server (--exit-on-close), 64 usage`;

const { values: opts } = parseArgs({
  strict: true,
  options: {
    url: { type: "string" }, doc: { type: "string" }, script: { type: "string" },
    "peer-id": { type: "string" }, timeout: { type: "string" }, "find-timeout": { type: "string" },
    "connect-timeout": { type: "string" }, "exit-on-close": { type: "boolean" },
    "flush-timeout": { type: "string" }, "no-flush": { type: "boolean" }, "quiet-changes": { type: "boolean" },
    node: { type: "string" }, name: { type: "string" }, parent: { type: "string" }, order: { type: "string" },
    kind: { type: "string" }, asset: { type: "string" }, until: { type: "string", multiple: true },
    "until-exists": { type: "string", multiple: true }, "until-nodes": { type: "string" },
    path: { type: "string" }, value: { type: "string" }, exists: { type: "boolean" },
    count: { type: "string" }, rate: { type: "string" }, create: { type: "boolean" },
    payload: { type: "string" }, interval: { type: "string" }, expect: { type: "string" },
    linger: { type: "string" }, help: { type: "boolean" },
  },
});

if (opts.help) {
  process.stdout.write(USAGE + "\n");
  process.exit(EXIT.ok);
}
if (!opts.url || !opts.doc || !opts.script) fail(`--url, --doc and --script are required\n${USAGE}`, EXIT.usage);
if (opts.doc !== "new" && !isValidAutomergeUrl(opts.doc)) fail(`--doc: not an automerge URL: ${opts.doc}`, EXIT.usage);

const timeoutMs = parseNumberArg("timeout", opts.timeout, 30000);
const findTimeoutMs = parseNumberArg("find-timeout", opts["find-timeout"], 10000);
const connectTimeoutMs = parseNumberArg("connect-timeout", opts["connect-timeout"], 10000);
const flushTimeoutMs = parseNumberArg("flush-timeout", opts["flush-timeout"], 10000);
const peerId = opts["peer-id"] ?? `client-${randomUUID().slice(0, 8)}`;

/** Scene node as the Atelier web client writes it. */
function sceneNode(id) {
  return {
    name: opts.name ?? `node-${id.slice(0, 8)}`,
    parent: opts.parent ?? "",
    order: opts.order ?? "a0",
    kind: opts.kind ?? "mesh",
    transform: { t: [0, 0, 0], r: [0, 0, 0, 1], s: [1, 1, 1] },
    components: {},
    asset: opts.asset ?? "",
  };
}

/** Conditions from --until PATH=JSON, --until-exists PATH and --until-nodes N. */
function conditions() {
  const conds = [];
  for (const spec of opts.until ?? []) {
    const eq = spec.indexOf("=");
    if (eq < 0) fail(`--until: want PATH=JSON, got ${spec}`, EXIT.usage);
    const path = spec.slice(0, eq);
    const want = parseJSONArg("until", spec.slice(eq + 1));
    conds.push({ label: `${path} == ${JSON.stringify(want)}`, ok: doc => jsonEqual(getPath(doc, path), want) });
  }
  for (const path of opts["until-exists"] ?? []) {
    conds.push({ label: `${path} exists`, ok: doc => getPath(doc, path) !== undefined });
  }
  if (opts["until-nodes"] !== undefined) {
    const n = parseNumberArg("until-nodes", opts["until-nodes"]);
    conds.push({ label: `at least ${n} nodes`, ok: doc => Object.keys(doc?.nodes ?? {}).length >= n });
  }
  return conds;
}

class Session {
  constructor(repo, handle) {
    this.repo = repo;
    this.handle = handle;
    this.readyAt = now();
    this.sharedHeads = new Map(); // peerId → sorted hex heads we know that peer holds
    repo.synchronizer.on("sync-state", ({ peerId: p, documentId, syncState }) => {
      if (documentId === handle.documentId) this.sharedHeads.set(p, [...syncState.sharedHeads].sort());
    });
  }

  doc() {
    return this.handle.doc();
  }

  /** Waits until check(doc) is truthy, re-checking on every document change. */
  waitDoc(check, label, ms = timeoutMs) {
    return until(() => check(this.doc()), { timeoutMs: ms, label, events: [[this.handle, "change"]] });
  }

  /** Waits until some connected server holds every change we have. */
  async flush() {
    if (opts["no-flush"]) return;
    const covered = () => {
      const mine = hexHeads(this.doc());
      for (const p of this.repo.peers) {
        const theirs = this.sharedHeads.get(p) ?? [];
        if (mine.every(h => theirs.includes(h))) return p;
      }
      return null;
    };
    const peer = await until(covered, {
      timeoutMs: flushTimeoutMs, label: "the server to acknowledge our heads", pollMs: 50,
      events: [[this.repo.synchronizer, "sync-state"]],
    });
    emit("flushed", { peer, heads: hexHeads(this.doc()) });
  }
}

const scripts = {
  async dump() {},

  async "set-node"(s) {
    const id = opts.node ?? randomUUID();
    s.handle.change(d => {
      if (!d.nodes) d.nodes = {}; // only reached for docs created without a nodes map
      d.nodes[id] = sceneNode(id);
    });
    emit("set", { node: id, heads: hexHeads(s.doc()) });
    await s.flush();
    for (const c of conditions()) {
      await s.waitDoc(c.ok, c.label);
      emit("condition", { label: c.label });
    }
  },

  async "wait-for"(s) {
    if (!opts.path || (opts.value === undefined && !opts.exists)) fail("wait-for needs --path and --value or --exists", EXIT.usage);
    const want = opts.exists ? undefined : parseJSONArg("value", opts.value);
    const ok = doc => {
      const v = getPath(doc, opts.path);
      return opts.exists ? v !== undefined : jsonEqual(v, want);
    };
    await s.waitDoc(ok, `${opts.path} ${opts.exists ? "exists" : "== " + opts.value}`);
    const seen = now();
    emit("seen", { path: opts.path, value: toPlain(getPath(s.doc(), opts.path)), seenAt: seen, sinceReadyMs: seen - s.readyAt });
  },

  async watch(s) {
    if (!opts.path) fail("watch needs --path", EXIT.usage);
    const want = opts.value === undefined ? undefined : parseJSONArg("value", opts.value);
    let last = Symbol("none");
    const report = () => {
      const v = toPlain(getPath(s.doc(), opts.path));
      const key = JSON.stringify(v);
      if (key !== last) {
        last = key;
        emit("value", { path: opts.path, value: v });
      }
      return want !== undefined && jsonEqual(v, want);
    };
    await s.waitDoc(report, `${opts.path} == ${JSON.stringify(want)}`);
  },

  async "edit-loop"(s) {
    const id = opts.node;
    if (!id) fail("edit-loop needs --node", EXIT.usage);
    const rel = opts.path ?? "transform.t.0";
    const count = parseNumberArg("count", opts.count, 10);
    const rate = parseNumberArg("rate", opts.rate, 10);
    if (opts.create && !s.doc()?.nodes?.[id]) s.handle.change(d => { d.nodes[id] = sceneNode(id); });
    if (!s.doc()?.nodes?.[id]) fail(`edit-loop: node ${id} does not exist (use --create)`);
    const start = now();
    for (let i = 0; i < count; i++) {
      const due = start + (rate > 0 ? (i * 1000) / rate : 0);
      if (due > now()) await sleep(due - now());
      s.handle.change(d => setPath(d.nodes[id], rel, i));
      emit("edit", { i, node: id, path: rel, value: i });
    }
    await s.flush();
  },

  async presence(s) {
    const base = opts.payload === undefined ? { user: peerId, cursor: [0, 0] } : parseJSONArg("payload", opts.payload);
    const count = parseNumberArg("count", opts.count, 5);
    const interval = parseNumberArg("interval", opts.interval, 200);
    const expect = parseNumberArg("expect", opts.expect, 0);
    const linger = parseNumberArg("linger", opts.linger, 0);
    let received = 0;
    s.handle.on("ephemeral-message", ({ senderId, message }) => {
      received++;
      emit("ephemeral", { senderId, message: toPlain(message) });
    });
    // Keep broadcasting (like a presence heartbeat) until we have sent count
    // messages and heard expect, then for linger ms more, so that peers that
    // joined later hear us too.
    let lingerUntil = Infinity;
    for (let i = 0; ; i++) {
      s.handle.broadcast({ ...base, seq: i });
      emit("broadcast", { seq: i });
      if (i + 1 >= count && received >= expect && lingerUntil === Infinity) lingerUntil = now() + linger;
      if (now() >= lingerUntil) break;
      await sleep(Math.min(interval, Math.max(0, lingerUntil - now())));
    }
  },
};

/**
 * The stock client adapter, reporting every socket close (with its code, so
 * tests can assert 4401/4403/…) as a "closed" event.
 */
class ObservedAdapter extends WebSocketClientAdapter {
  constructor(url, retryMs) {
    super(url, retryMs);
    const onClose = this.onClose;
    this.onClose = ev => {
      emit("closed", { code: ev?.code, reason: String(ev?.reason ?? "") });
      if (opts["exit-on-close"]) fail(`server closed the connection: ${ev?.code} ${ev?.reason ?? ""}`, EXIT.closed);
      onClose(ev);
    };
  }
}

// The stock adapter rethrows socket errors other than ECONNREFUSED from an
// event handler; an HTTP status on the upgrade (401, 403, …) thus arrives here.
process.on("uncaughtException", e => {
  const status = /Unexpected server response: (\d+)/.exec(e?.message ?? "")?.[1];
  if (status) {
    emit("rejected", { status: Number(status) });
    fail(`connection refused with HTTP ${status}`, EXIT.connect);
  }
  fail(`uncaught exception: ${e?.stack ?? e}`);
});

async function open(repo) {
  if (opts.doc === "new") {
    const handle = repo.create({ nodes: {} });
    emit("created", { url: handle.url, documentId: handle.documentId });
    return handle;
  }
  try {
    return await repo.find(opts.doc, { signal: AbortSignal.timeout(findTimeoutMs) });
  } catch (e) {
    if (/unavailable/i.test(String(e?.message))) fail(`document unavailable: ${opts.doc}`, EXIT.unavailable);
    if (e?.name === "TimeoutError" || e?.name === "AbortError") fail(`find timed out after ${findTimeoutMs} ms`, EXIT.timeout);
    throw e;
  }
}

async function main() {
  const scenario = scripts[opts.script];
  if (!scenario) fail(`unknown --script ${opts.script}; want one of ${Object.keys(scripts).join(", ")}`, EXIT.usage);
  const deadline = setTimeout(() => fail(`timed out after ${timeoutMs} ms`, EXIT.timeout), timeoutMs);

  const repo = new Repo({ network: [new ObservedAdapter(opts.url, 1000)], peerId });
  let connected = false;
  repo.networkSubsystem.on("peer", ({ peerId: p, peerMetadata }) => {
    connected = true;
    emit("peer", { peerId: p, peerMetadata });
  });
  repo.networkSubsystem.on("peer-disconnected", ({ peerId: p }) => emit("peer-disconnected", { peerId: p }));
  await until(() => connected, { timeoutMs: connectTimeoutMs, label: "the server's peer reply", pollMs: 20 })
    .catch(() => fail(`no peer reply from ${opts.url} within ${connectTimeoutMs} ms`, EXIT.connect));

  const handle = await open(repo);
  const s = new Session(repo, handle);
  if (!opts["quiet-changes"]) {
    handle.on("change", ({ doc, patches }) => emit("changed", { heads: hexHeads(doc), patches: patches.length }));
  }
  emit("ready", { peerId, url: handle.url, documentId: handle.documentId, heads: hexHeads(s.doc()) });

  await scenario(s);
  clearTimeout(deadline);
  emit("done", { doc: toPlain(s.doc()), heads: hexHeads(s.doc()) });
  process.exit(EXIT.ok);
}

main().catch(e => fail(e instanceof TimeoutError ? e.message : `${e?.stack ?? e}`, e instanceof TimeoutError ? EXIT.timeout : EXIT.fail));
