// Fractional-index keys for sibling `order`, an exact port of Go's
// scene/fracindex.go: the rocicorp `fractional-indexing` scheme (David
// Greenspan's "Implementing Fractional Indexing") with base-62 digits.
//
//  - a key is an integer part followed by an optional fraction;
//  - the integer part is a head letter and then as many base-62 digits as
//    the head says: 'a'..'z' are followed by 1..26 digits, 'Z'..'A' by
//    1..26 digits too, and every 'A'..'Z' integer sorts below every
//    'a'..'z' one ("a0" is zero, "a1" one, "Zz" minus one);
//  - the fraction is base-62 digits without a trailing '0';
//  - "A" followed by 26 '0's is reserved and is not a key.
//
// Keys are ASCII, so JS string comparison orders them byte-wise.
// scene/testdata/fracindex.json holds vectors produced by the Go code.

import { SceneError } from "./errors";

/** The base-62 digits in ascending byte order. */
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The reserved integer part below every key's. */
const SMALLEST_INTEGER = "A00000000000000000000000000";

function invalid(message: string): SceneError {
  return new SceneError("InvalidOrderKey", message);
}

/**
 * Returns a key that sorts strictly between a and b ("" = unbounded on that
 * side); keyBetween("", "") is "a0". The result is never empty and is as
 * short as the scheme allows. Throws InvalidOrderKey when a or b is not ""
 * and not a key, or when a >= b. For valid inputs the result equals
 * rocicorp's generateKeyBetween(a || null, b || null).
 */
export function keyBetween(a: string, b: string): string {
  checkBounds(a, b);
  if (a === "" && b === "") return "a0";
  if (a === "") return keyBefore(b);
  if (b === "") return keyAfter(a);
  const [ia, fa] = splitKey(a);
  const [ib, fb] = splitKey(b);
  if (ia === ib) return ia + midpoint(fa, fb, false);
  const i = incrementInteger(ia);
  if (i !== undefined && i < b) return i;
  return ia + midpoint(fa, "", true);
}

/**
 * Returns n keys in strictly increasing order, all strictly between a and b
 * ("" = unbounded). With an open end they are consecutive integers; between
 * two keys they are spread by bisection. Throws as keyBetween, and
 * InvalidOrderKey for a negative or non-integer n.
 */
export function nKeysBetween(a: string, b: string, n: number): string[] {
  if (!Number.isInteger(n) || n < 0) throw invalid(`negative count ${n}`);
  checkBounds(a, b);
  const out: string[] = [];
  appendKeysBetween(out, a, b, n);
  return out;
}

/** Appends n keys between the already checked bounds. */
function appendKeysBetween(out: string[], a: string, b: string, n: number): void {
  if (n === 0) return;
  if (b === "") {
    for (let k = 0; k < n; k++) out.push((a = keyBetween(a, "")));
    return;
  }
  if (a === "") {
    const start = out.length;
    for (let k = 0; k < n; k++) out.push((b = keyBetween("", b)));
    const tail = out.splice(start).reverse();
    out.push(...tail);
    return;
  }
  const mid = Math.floor(n / 2);
  const c = keyBetween(a, b);
  appendKeysBetween(out, a, c, mid);
  out.push(c);
  appendKeysBetween(out, c, b, n - mid - 1);
}

/** Validates the bounds of keyBetween and nKeysBetween. */
function checkBounds(a: string, b: string): void {
  for (const k of [a, b]) if (k !== "") validateKey(k);
  if (a !== "" && b !== "" && a >= b) throw invalid(`${JSON.stringify(a)} >= ${JSON.stringify(b)}`);
}

/** Throws InvalidOrderKey unless k is a fractional-index key. */
export function validateKey(k: string): void {
  const bad = (why: string): SceneError => invalid(`${JSON.stringify(k)}: ${why}`);
  if (k === "") throw bad("empty");
  const n = integerLength(k.charCodeAt(0));
  if (n === undefined) throw bad("head is not a letter");
  if (k.length < n) throw bad("shorter than its integer part");
  if (k === SMALLEST_INTEGER) throw bad("reserved smallest integer");
  if (k.endsWith("0") && k.length > n) throw bad("fraction ends in 0");
  for (let i = 1; i < k.length; i++) {
    if (digitValue(k.charCodeAt(i)) < 0) throw bad("not a base-62 digit");
  }
}

/** Reports whether s is a fractional-index key. */
export function isOrderKey(s: string): boolean {
  try {
    validateKey(s);
    return true;
  } catch {
    return false;
  }
}

const A_LOWER = 0x61;
const Z_LOWER = 0x7a;
const A_UPPER = 0x41;
const Z_UPPER = 0x5a;

/** The length of an integer part (head included) starting with head, or undefined. */
function integerLength(head: number): number | undefined {
  if (head >= A_LOWER && head <= Z_LOWER) return head - A_LOWER + 2;
  if (head >= A_UPPER && head <= Z_UPPER) return Z_UPPER - head + 2;
  return undefined;
}

/** The base-62 value of the character code c, or -1. */
function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= A_UPPER && c <= Z_UPPER) return c - A_UPPER + 10;
  if (c >= A_LOWER && c <= Z_LOWER) return c - A_LOWER + 36;
  return -1;
}

/** Splits a valid key into its integer part and fraction. */
function splitKey(k: string): [string, string] {
  const n = integerLength(k.charCodeAt(0))!;
  return [k.slice(0, n), k.slice(n)];
}

/** Returns a key below the valid key b. */
function keyBefore(b: string): string {
  const [ib, fb] = splitKey(b);
  if (ib === SMALLEST_INTEGER) return ib + midpoint("", fb, false);
  if (fb !== "") return ib;
  const d = decrementInteger(ib);
  if (d === undefined) throw invalid(`no key below ${JSON.stringify(b)}`);
  // rocicorp returns the reserved integer itself here, which is not a key;
  // any fraction after it is, and still sorts below b.
  if (d === SMALLEST_INTEGER) return d + midpoint("", "", true);
  return d;
}

/** Returns a key above the valid key a. */
function keyAfter(a: string): string {
  const [ia, fa] = splitKey(a);
  return incrementInteger(ia) ?? ia + midpoint(fa, "", true);
}

/**
 * Returns a digit string strictly between the fractions a and b (b
 * unbounded when open), with no trailing '0'.
 */
function midpoint(a: string, b: string, open: boolean): string {
  if (!open) {
    let n = 0;
    while (n < b.length && digitAt(a, n) === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n), false);
  }
  const da = a !== "" ? digitValue(a.charCodeAt(0)) : 0;
  const db = open ? DIGITS.length : digitValue(b.charCodeAt(0));
  if (db - da > 1) return DIGITS[Math.floor((da + db + 1) / 2)]!;
  if (!open && b.length > 1) return b.slice(0, 1);
  return DIGITS[da]! + midpoint(a.slice(1), "", true);
}

/** s[i], or "0" past the end of s. */
function digitAt(s: string, i: number): string {
  return i < s.length ? s[i]! : "0";
}

/** Returns the integer part after x, undefined after "z…z". */
function incrementInteger(x: string): string | undefined {
  let head = x.charCodeAt(0);
  const digs = x.slice(1).split("");
  for (let i = digs.length - 1; i >= 0; i--) {
    const d = digitValue(digs[i]!.charCodeAt(0)) + 1;
    if (d < DIGITS.length) {
      digs[i] = DIGITS[d]!;
      return String.fromCharCode(head) + digs.join("");
    }
    digs[i] = "0";
  }
  if (head === Z_UPPER) return "a0";
  if (head === Z_LOWER) return undefined;
  head++;
  if (head > A_LOWER) digs.push("0");
  else digs.pop();
  return String.fromCharCode(head) + digs.join("");
}

/** Returns the integer part before x, undefined before "A0…0". */
function decrementInteger(x: string): string | undefined {
  let head = x.charCodeAt(0);
  const digs = x.slice(1).split("");
  for (let i = digs.length - 1; i >= 0; i--) {
    const d = digitValue(digs[i]!.charCodeAt(0)) - 1;
    if (d >= 0) {
      digs[i] = DIGITS[d]!;
      return String.fromCharCode(head) + digs.join("");
    }
    digs[i] = "z";
  }
  if (head === A_LOWER) return "Zz";
  if (head === A_UPPER) return undefined;
  head--;
  if (head < Z_UPPER) digs.push("z");
  else digs.pop();
  return String.fromCharCode(head) + digs.join("");
}
