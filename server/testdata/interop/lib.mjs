// Shared helpers for the interop scripts: JSON-lines output, argument
// parsing helpers, document paths and value normalization.
import { performance } from "node:perf_hooks";
import * as A from "@automerge/automerge";

// A reader that stops reading (a Go test that has seen enough, `| head`) ends us quietly.
process.stdout.on("error", e => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

/** Wall-clock time in epoch milliseconds with sub-millisecond precision. */
export const now = () => performance.timeOrigin + performance.now();

/** Writes one JSON line to stdout. Every line carries the event time `t`. */
export function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, t: now(), ...fields }, replacer) + "\n");
}

/** Exit codes shared by the scripts. */
export const EXIT = { ok: 0, fail: 1, timeout: 2, unavailable: 3, connect: 4, closed: 5, usage: 64 };

/**
 * Reports a failure on stderr (and as an "error" JSON line on stdout, so a
 * driver reading only stdout sees it too) and exits with `code`.
 */
export function fail(message, code = EXIT.fail) {
  emit("error", { message, code });
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/** Hex of a byte array. */
export const toHex = bytes => Buffer.from(bytes).toString("hex");

/**
 * JSON.stringify replacer that turns Automerge and binary values into plain
 * JSON: ImmutableString → string, Counter → number, Uint8Array → {"$hex": …},
 * Date → ISO string.
 */
export function replacer(_key, value) {
  if (value instanceof A.ImmutableString) return value.val;
  if (value instanceof A.Counter) return value.value;
  if (value instanceof Uint8Array) return { $hex: toHex(value) };
  if (value && value.type === "Buffer" && Array.isArray(value.data)) return { $hex: toHex(value.data) };
  return value;
}

/** Converts any value (an Automerge doc included) to plain JSON data. */
export const toPlain = value => (value === undefined ? undefined : JSON.parse(JSON.stringify(value, replacer)));

/** Splits "a.b.0.c" into ["a", "b", "0", "c"]. */
export const splitPath = path => (path === "" ? [] : path.split("."));

/** Reads the value at a dotted path, or undefined. */
export function getPath(obj, path) {
  let cur = obj;
  for (const seg of splitPath(path)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = Array.isArray(cur) ? cur[Number(seg)] : cur[seg];
  }
  return cur;
}

/** Sets the value at a dotted path inside an Automerge change callback. */
export function setPath(doc, path, value) {
  const segs = splitPath(path);
  if (segs.length === 0) throw new Error("empty path");
  let cur = doc;
  for (const seg of segs.slice(0, -1)) {
    const next = Array.isArray(cur) ? cur[Number(seg)] : cur[seg];
    if (next === null || typeof next !== "object") throw new Error(`path ${path}: ${seg} is not an object`);
    cur = next;
  }
  const last = segs[segs.length - 1];
  if (Array.isArray(cur)) cur[Number(last)] = value;
  else cur[last] = value;
}

/** Deep equality of two JSON values (after toPlain). */
export const jsonEqual = (a, b) => canonical(toPlain(a)) === canonical(toPlain(b));

function canonical(v) {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return "{" + keys.map(k => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  }
  return JSON.stringify(v);
}

/** Parses a JSON command-line value, failing with a usage error. */
export function parseJSONArg(name, text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`--${name}: not JSON: ${text}`, EXIT.usage);
  }
}

/** Parses a non-negative number argument, failing with a usage error. */
export function parseNumberArg(name, text, fallback) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) return fail(`--${name}: not a non-negative number: ${text}`, EXIT.usage);
  return n;
}

/** The heads of an Automerge doc as sorted lowercase hex hashes. */
export const hexHeads = doc => [...A.getHeads(doc)].sort();

/** Resolves after ms milliseconds. */
export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Resolves with check()'s first truthy result. check runs now, whenever one
 * of the (emitter, event) pairs fires, and every pollMs as a backstop; the
 * promise rejects after timeoutMs.
 */
export function until(check, { timeoutMs, label, events = [], pollMs = 250 }) {
  return new Promise((resolve, reject) => {
    const cleanups = [];
    const finish = (fn, v) => {
      cleanups.forEach(c => c());
      fn(v);
    };
    const test = () => {
      let v;
      try {
        v = check();
      } catch (e) {
        return finish(reject, e);
      }
      if (v) finish(resolve, v);
    };
    const timer = setTimeout(() => finish(reject, new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${label}`)), timeoutMs);
    const poll = setInterval(test, pollMs);
    cleanups.push(() => clearTimeout(timer), () => clearInterval(poll));
    for (const [emitter, name] of events) {
      emitter.on(name, test);
      cleanups.push(() => emitter.off(name, test));
    }
    test();
  });
}

/** The error until() rejects with on timeout. */
export class TimeoutError extends Error {}
