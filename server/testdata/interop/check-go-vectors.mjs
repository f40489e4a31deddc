#!/usr/bin/env node
// Checks that frames encoded by Atelier's Go codec (server/wire) decode in JS
// exactly as automerge-repo decodes frames: with the repo's own cbor helper,
// to the object each vector expects, passing the repo's type guards.
//
//   node check-go-vectors.mjs ../../wire/testdata/go-encoded.json
//
// Prints one JSON line per vector and exits 1 if any vector fails.
import fs from "node:fs";
import { cbor, isRepoMessage } from "@automerge/automerge-repo";
import { EXIT, emit, fail, jsonEqual, toPlain } from "./lib.mjs";

const file = process.argv[2];
if (!file) fail("usage: node check-go-vectors.mjs FILE", EXIT.usage);

const REPO_TYPES = new Set(["sync", "request", "doc-unavailable", "ephemeral", "remote-subscription-change", "remote-heads-changed"]);
const ADAPTER_TYPES = new Set(["join", "peer", "error"]);

function check(v) {
  const bytes = Buffer.from(v.hex, "hex");
  const msg = cbor.decode(bytes);
  const problems = [];
  if (!jsonEqual(toPlain(msg), v.js)) problems.push(`decoded ${JSON.stringify(toPlain(msg))}, want ${JSON.stringify(v.js)}`);
  if ("data" in msg && !(msg.data instanceof Uint8Array)) problems.push("data is not a Uint8Array");
  if ("data" in msg && msg.data.byteLength === 0) problems.push("data is empty (the adapters throw on this)");
  if (REPO_TYPES.has(msg.type) && !isRepoMessage(msg)) problems.push("isRepoMessage is false");
  if (!REPO_TYPES.has(msg.type) && !ADAPTER_TYPES.has(msg.type)) problems.push(`unexpected type ${msg.type}`);
  if (msg.type === "ephemeral" && !(Number.isInteger(msg.count) && typeof msg.sessionId === "string")) problems.push("ephemeral without count/sessionId");
  return problems;
}

const { vectors } = JSON.parse(fs.readFileSync(file, "utf8"));
let failed = 0;
for (const v of vectors) {
  let problems;
  try {
    problems = check(v);
  } catch (e) {
    problems = [`decode threw: ${e?.message ?? e}`];
  }
  if (problems.length) failed++;
  emit("vector", { name: v.name, ok: problems.length === 0, problems });
}
if (failed) fail(`${failed} of ${vectors.length} vectors failed`);
emit("done", { vectors: vectors.length });
