// Reading plain values as automerge JS materializes them (and as JSON.parse
// gives them): own-key access that is safe for any key ("__proto__",
// "constructor"), and the type tests the lenient decoder builds on. Scalar
// strings read as ImmutableString objects, Text as JS strings, counters as
// Counter objects; they are recognized by automerge's registered symbols, so
// this module does not load automerge itself.

import { compareBytewise } from "./strings";

const IMMUTABLE_STRING = Symbol.for("_am_immutableString");
const LEGACY_TEXT = Symbol.for("_am_text");
const COUNTER = Symbol.for("_am_counter");

/** A plain map as read from a document or JSON. */
export type PlainMap = { readonly [key: string]: unknown };

/** Returns m's own property key, or undefined (never an inherited one). */
export function getOwn(m: PlainMap, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(m, key) ? m[key] : undefined;
}

/** Reports whether m has key as an own property. */
export function hasOwn(m: PlainMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

/**
 * Sets m[key] = v as an own data property, even for "__proto__" (the one
 * key whose assignment would call an inherited setter instead).
 */
export function setOwn<T>(m: Record<string, T>, key: string, v: T): void {
  if (key !== "__proto__") m[key] = v;
  else Object.defineProperty(m, key, { value: v, enumerable: true, writable: true, configurable: true });
}

function hasSymbol(v: object, sym: symbol): boolean {
  return Object.prototype.hasOwnProperty.call(v, sym);
}

/** Reports whether v is an automerge scalar string (ImmutableString / RawString). */
export function isImmutableString(v: unknown): v is { toString(): string } {
  return typeof v === "object" && v !== null && hasSymbol(v, IMMUTABLE_STRING);
}

/** Reports whether v is an automerge Counter. */
export function isCounter(v: unknown): v is { value: number } {
  return typeof v === "object" && v !== null && hasSymbol(v, COUNTER);
}

/** Reports whether v is a legacy automerge Text object (automerge 2.x "stable" API). */
function isLegacyText(v: unknown): v is { toString(): string } {
  return typeof v === "object" && v !== null && hasSymbol(v, LEGACY_TEXT);
}

/** Reports whether v is a map: a plain object that is not one of automerge's scalar wrappers. */
export function isMap(v: unknown): v is PlainMap {
  return (
    typeof v === "object" &&
    v !== null &&
    Object.prototype.toString.call(v) === "[object Object]" &&
    !hasSymbol(v, IMMUTABLE_STRING) &&
    !hasSymbol(v, COUNTER) &&
    !hasSymbol(v, LEGACY_TEXT)
  );
}

/** Reports whether v is a list. */
export function isList(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

/** Reads a string field: a JS string (automerge Text reads as one), a scalar string or legacy Text. */
export function asString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (isImmutableString(v) || isLegacyText(v)) return v.toString();
  return undefined;
}

/** Reads any number kind (number, bigint, counter) as a finite number. */
export function asFiniteNumber(v: unknown): number | undefined {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "bigint") n = Number(v);
  else if (isCounter(v)) n = v.value;
  else return undefined;
  return Number.isFinite(n) ? n : undefined;
}

/** Names a plain value's type for warnings, in schema terms (Go typeName). */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return "bool";
  if (asString(v) !== undefined) return "string";
  if (typeof v === "number") return Number.isFinite(v) ? "number" : "non-finite number";
  if (typeof v === "bigint" || isCounter(v)) return "number";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof Date) return "timestamp";
  if (isMap(v)) return "map";
  if (isList(v)) return "list";
  return typeof v;
}

/** Returns m's own keys in byte-wise order. */
export function sortedKeys(m: PlainMap): string[] {
  return Object.keys(m).sort(compareBytewise);
}
