#!/usr/bin/env node
// Runs stock clients against the reference server, checks they behave
// (co-editing converges, presence is relayed, an unknown document is
// unavailable, an unsupported protocol version is refused), and records the
// frames that went over the wire. With --out DIR it writes the golden vectors
// server/wire's tests read:
//
//   DIR/js-captured.json  frames captured from the real JS packages
//   DIR/notes.json        the worked examples of notes/automerge-protocols.md §1.10
//
//   node capture.mjs [--out ../../wire/testdata] [--keep FILE]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { Encoder, decode } from "cbor-x";
import { generateAutomergeUrl } from "@automerge/automerge-repo";
import { EXIT, emit, fail, jsonEqual, toHex, toPlain } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({ strict: true, options: { out: { type: "string" }, keep: { type: "string" } } });
const STEP_MS = 20000;

/** A child node process whose stdout is JSON lines. */
class Proc {
  constructor(name, script, args) {
    this.name = name;
    this.events = [];
    this.waiters = [];
    this.stderr = "";
    this.child = spawn(process.execPath, [path.join(here, script), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stderr.on("data", d => (this.stderr += d));
    readline.createInterface({ input: this.child.stdout }).on("line", line => this.#line(line));
    this.exited = new Promise(resolve => this.child.on("exit", code => resolve(code)));
  }

  #line(line) {
    let ev;
    try {
      ev = JSON.parse(line);
    } catch {
      return;
    }
    this.events.push(ev);
    this.waiters = this.waiters.filter(w => !(w.pred(ev) && (w.resolve(ev), true)));
  }

  /** Resolves with the first event (past or future) matching pred. */
  next(pred, label) {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return withTimeout(new Promise(resolve => this.waiters.push({ pred, resolve })), `${this.name}: ${label}`);
  }

  /** Resolves with the exit code; fails unless it is one of want. */
  async exit(...want) {
    const code = await withTimeout(this.exited, `${this.name} to exit`);
    if (!want.includes(code)) fail(`${this.name} exited ${code}, want ${want}: ${this.stderr.trim()}`);
    return code;
  }

  event(name) {
    return this.events.find(e => e.event === name);
  }
}

function withTimeout(promise, label, ms = STEP_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const client = (name, url, doc, script, ...args) =>
  new Proc(name, "client.mjs", ["--url", url, "--doc", doc, "--script", script, "--peer-id", name, "--timeout", "15000", ...args]);

/** Two clients add a node each to a new document and must converge. */
async function coEdit(url) {
  const [n1, n2] = [randomUUID(), randomUUID()];
  const a = client("alice", url, "new", "set-node", "--node", n1, "--until-exists", `nodes.${n2}`);
  const { url: docUrl } = await a.next(e => e.event === "created", "created");
  const b = client("bob", url, docUrl, "set-node", "--node", n2, "--until-exists", `nodes.${n1}`);
  await Promise.all([a.exit(EXIT.ok), b.exit(EXIT.ok)]);
  const [da, db] = [a.event("done"), b.event("done")];
  if (!jsonEqual(da.doc, db.doc) || !jsonEqual(da.heads, db.heads)) fail("co-editing clients did not converge");
  emit("check", { name: "co-edit converges", heads: da.heads });
  return docUrl;
}

/** Two clients broadcast on one document and must hear each other. */
async function presence(url, docUrl) {
  const args = ["--count", "3", "--interval", "100", "--expect", "2", "--linger", "600"];
  const a = client("carol", url, docUrl, "presence", ...args, "--payload", '{"user":"carol","cursor":[1,2]}');
  await a.next(e => e.event === "ready", "ready");
  const b = client("dave", url, docUrl, "presence", ...args, "--payload", '{"user":"dave","cursor":[3,4]}');
  await Promise.all([a.exit(EXIT.ok), b.exit(EXIT.ok)]);
  const heard = (p, from) => p.events.filter(e => e.event === "ephemeral" && e.senderId === from).length;
  if (heard(a, "dave") < 1 || heard(b, "carol") < 1) fail("presence was not relayed both ways");
  emit("check", { name: "presence relayed", carolHeard: heard(a, "dave"), daveHeard: heard(b, "carol") });
}

/** A client asking for a document nobody has must get "unavailable". */
async function unavailable(url) {
  const c = client("erin", url, generateAutomergeUrl(), "dump", "--find-timeout", "5000");
  await c.exit(EXIT.unavailable);
  emit("check", { name: "unknown document unavailable" });
}

/** A join offering only protocol "2" must be answered with an error. */
async function badVersion(url) {
  const ws = new WebSocket(url);
  ws.binaryType = "nodebuffer";
  const reply = new Promise((resolve, reject) => {
    ws.on("message", data => resolve(decode(data)));
    ws.on("error", reject);
  });
  await withTimeout(new Promise(resolve => ws.on("open", resolve)), "raw socket to open");
  const enc = new Encoder({ tagUint8Array: false, useRecords: false });
  ws.send(enc.encode({ type: "join", senderId: "frank", peerMetadata: { isEphemeral: true }, supportedProtocolVersions: ["2"] }));
  const msg = await withTimeout(reply, "error reply");
  ws.close();
  if (msg.type !== "error") fail(`bad version: got ${msg.type}, want error`);
  emit("check", { name: "unsupported version refused", message: msg.message });
}

/** Converts a decoded frame to the Go-side expectation (see server/wire/golden_test.go). */
function goView(m) {
  const v = { type: m.type };
  const copy = (from, to = from) => {
    if (m[from] !== undefined && m[from] !== null) v[to] = m[from];
  };
  copy("senderId");
  copy("targetId");
  if (!["join", "peer", "error", "sync", "request", "doc-unavailable", "ephemeral"].includes(m.type)) return v;
  copy("documentId");
  if (m.data instanceof Uint8Array) v.data = toHex(m.data);
  copy("count");
  copy("sessionId");
  if (m.peerMetadata) {
    v.peerMetadata = { isEphemeral: !!m.peerMetadata.isEphemeral };
    if (m.peerMetadata.storageId) v.peerMetadata.storageId = m.peerMetadata.storageId;
  }
  copy("supportedProtocolVersions");
  copy("selectedProtocolVersion");
  copy("message", "errorMessage");
  return v;
}

function vector(name, origin, direction, bytes) {
  const m = decode(bytes);
  return { name, origin, direction, hex: toHex(bytes), message: goView(m), js: toPlain(m) };
}

/** Picks one representative frame of each kind from the capture. */
function selectVectors(frames) {
  const pick = (name, dir, pred) => {
    const f = frames.find(f => f.dir === dir && pred(f.msg, f));
    if (!f) fail(`capture has no frame for ${name}`);
    const origin = name.includes("v2-only") ? "cbor-x (capture.mjs raw socket)" : dir === "in" ? "js-client" : "js-reference-server";
    return vector(name, origin, dir === "in" ? "client-to-server" : "server-to-client", Buffer.from(f.hex, "hex"));
  };
  const dataStarts = (m, b) => m.data?.$hex?.startsWith(b);
  const unknownDoc = frames.find(f => f.msg.type === "doc-unavailable")?.msg.documentId;
  return [
    pick("js-client-join", "in", m => m.type === "join" && m.supportedProtocolVersions?.[0] === "1"),
    pick("js-server-peer", "out", m => m.type === "peer"),
    pick("js-client-sync-v1", "in", m => m.type === "sync" && dataStarts(m, "42")),
    pick("js-server-sync-reply", "out", m => m.type === "sync" && m.documentId !== unknownDoc),
    pick("js-client-sync-changes", "in", m => m.type === "sync" && dataStarts(m, "43") && m.data.$hex.length > 400),
    pick("js-client-request", "in", m => m.type === "request" && m.documentId !== unknownDoc),
    pick("js-client-request-unknown", "in", m => m.type === "request" && m.documentId === unknownDoc),
    pick("js-server-sync-empty-doc", "out", m => m.type === "sync" && m.documentId === unknownDoc),
    pick("js-server-doc-unavailable", "out", m => m.type === "doc-unavailable"),
    pick("js-client-ephemeral", "in", m => m.type === "ephemeral"),
    pick("js-server-ephemeral-relay", "out", m => m.type === "ephemeral"),
    pick("js-client-join-v2-only", "in", m => m.type === "join" && m.supportedProtocolVersions?.[0] === "2"),
    pick("js-server-error", "out", m => m.type === "error"),
  ];
}

/** The worked examples of notes §1.10, re-encoded with cbor-x as the JS packages do. */
function notesVectors() {
  const enc = new Encoder({ tagUint8Array: false, useRecords: false });
  const v = (name, direction, obj) => vector(name, "notes §1.10", direction, enc.encode(obj));
  const join = v("notes-join", "client-to-server", {
    type: "join", senderId: "go-client-1",
    peerMetadata: { storageId: "11111111-2222-4333-8444-555555555555", isEphemeral: false },
    supportedProtocolVersions: ["1"],
  });
  if (join.hex.length / 2 !== 141) fail(`notes join re-encoded to ${join.hex.length / 2} bytes, notes say 141`);
  const syncData = Buffer.from("4201fce334ff39423b417c4d2d7ed90a224f9c05a6c35b25bde9e389c466ed1af375000100050" +
    "10a07621d00020284", "hex");
  return [
    join,
    v("notes-peer", "server-to-client", {
      type: "peer", senderId: "storage-server-test",
      peerMetadata: { storageId: "113f698a-34ef-4cb5-bb79-f5e7cc4d46f2", isEphemeral: false },
      selectedProtocolVersion: "1", targetId: "go-client-1",
    }),
    v("notes-error", "server-to-client", {
      type: "error", senderId: "storage-server-test", message: "unsupported protocol version", targetId: "go-client-2",
    }),
    v("notes-sync", "client-to-server", {
      type: "sync", senderId: "go-client-1", targetId: "storage-server-test",
      documentId: "rqopZE4h1EixTy5Lk64tobZ3dkt", data: new Uint8Array(syncData),
    }),
    v("notes-doc-unavailable", "server-to-client", {
      type: "doc-unavailable", documentId: "2W9GC6YQFn8ymzPq8PJp3UgFTwZ9", targetId: "go-client-1", senderId: "storage-server-test",
    }),
  ];
}

function versions() {
  const v = {};
  for (const p of ["@automerge/automerge", "@automerge/automerge-repo", "@automerge/automerge-repo-network-websocket", "cbor-x"]) {
    const file = path.join(here, "../../../node_modules", p, "package.json");
    v[p] = JSON.parse(fs.readFileSync(file, "utf8")).version;
  }
  v.node = process.version;
  return v;
}

function writeVectors(dir, file, description, vectors) {
  const body = { description, generator: "server/testdata/interop/capture.mjs", packages: versions(), vectors };
  fs.writeFileSync(path.join(dir, file), JSON.stringify(body, null, 2) + "\n");
  emit("wrote", { file: path.join(dir, file), vectors: vectors.length });
}

async function main() {
  const capture = opts.keep ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "atelier-capture-")), "frames.jsonl");
  fs.writeFileSync(capture, "");
  const server = new Proc("reference-server", "reference-server.mjs", ["--port", "0", "--capture", capture]);
  try {
    const { port } = await server.next(e => e.event === "listening", "listening");
    const url = `ws://127.0.0.1:${port}/sync`;
    const docUrl = await coEdit(url);
    await presence(url, docUrl);
    await unavailable(url);
    await badVersion(url);
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
  }
  const frames = fs.readFileSync(capture, "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l));
  const selected = selectVectors(frames);
  emit("captured", { frames: frames.length, selected: selected.length, file: capture });
  if (opts.out) {
    writeVectors(opts.out, "js-captured.json", "WebSocket frames captured from stock JS automerge-repo clients and the reference server", selected);
    writeVectors(opts.out, "notes.json", "Worked examples from notes/automerge-protocols.md §1.10, encoded with cbor-x as automerge-repo does", notesVectors());
  }
  emit("done", {});
}

main().catch(e => fail(`${e?.stack ?? e}`));
