#!/usr/bin/env node
// The reference sync server: a stock automerge-repo Repo behind the stock
// NodeWSServerAdapter, configured like automerge/automerge-repo-sync-server
// (sharePolicy: never announce) but without storage. It is the yardstick
// Atelier is compared with, not Atelier.
//
//   node reference-server.mjs [--port 0] [--host 127.0.0.1] [--peer-id ID] [--capture FILE]
//
// Prints {"event":"listening","port":N,...} on stdout once it accepts
// connections. With --capture, every WebSocket frame in either direction is
// appended to FILE as a JSON line: {t, conn, dir: "in"|"out", hex, msg}.
import http from "node:http";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { WebSocketServer } from "ws";
import { decode } from "cbor-x";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { EXIT, emit, fail, now, parseNumberArg, toHex, toPlain } from "./lib.mjs";

const { values: opts } = parseArgs({
  strict: true,
  options: {
    port: { type: "string" }, host: { type: "string" }, "peer-id": { type: "string" },
    capture: { type: "string" }, "keepalive-ms": { type: "string" },
  },
});
const port = parseNumberArg("port", opts.port, 0);
const host = opts.host ?? "127.0.0.1";
const peerId = opts["peer-id"] ?? "reference-server";

const wss = new WebSocketServer({ noServer: true });
if (opts.capture) tap(wss, fs.openSync(opts.capture, "a"));

const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("reference automerge-repo sync server is running\n");
});
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, ws => wss.emit("connection", ws, req));
});

const repo = new Repo({
  network: [new NodeWSServerAdapter(wss, parseNumberArg("keepalive-ms", opts["keepalive-ms"], 5000))],
  peerId,
  sharePolicy: async () => false,
});
repo.networkSubsystem.on("peer", ({ peerId: p }) => emit("peer", { peerId: p }));
repo.networkSubsystem.on("peer-disconnected", ({ peerId: p }) => emit("peer-disconnected", { peerId: p }));

server.on("error", e => fail(`listen: ${e.message}`));
server.listen(port, host, () => emit("listening", { host, port: server.address().port, peerId }));

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    emit("stopping", { signal: sig });
    wss.clients.forEach(ws => ws.terminate());
    server.close(() => process.exit(EXIT.ok));
    setTimeout(() => process.exit(EXIT.ok), 1000).unref();
  });
}

/**
 * Records every frame of every connection. Registered before the adapter's
 * own "connection" listener (the adapter subscribes asynchronously), so it
 * sees frames first and wraps send() before any reply.
 */
function tap(wss, fd) {
  let conns = 0;
  const record = (conn, dir, data) => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    let msg;
    try {
      msg = toPlain(decode(bytes));
    } catch (e) {
      msg = { $decodeError: String(e?.message ?? e) };
    }
    fs.writeSync(fd, JSON.stringify({ t: now(), conn, dir, hex: toHex(bytes), msg }) + "\n");
  };
  wss.on("connection", ws => {
    const conn = ++conns;
    ws.on("message", data => record(conn, "in", data));
    const send = ws.send.bind(ws);
    ws.send = (data, ...rest) => {
      record(conn, "out", data);
      return send(data, ...rest);
    };
  });
}
