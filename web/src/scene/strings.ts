// String helpers shared by the scene modules: byte-wise (UTF-8) ordering,
// which the tree rules and order keys use, and the checks that stand in for
// Go's UTF-8 validation (a JS string is invalid exactly when it holds a lone
// surrogate, which has no UTF-8 encoding).

/**
 * Maps a UTF-16 code unit to a value whose order is code-point order:
 * surrogates (U+D800–U+DFFF, halves of characters above U+FFFF) move above
 * U+E000–U+FFFF. Comparing two strings' first differing code units mapped
 * this way orders them as their UTF-8 bytes do.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * Compares a and b as Go's strings.Compare does on their UTF-8 encodings
 * (equivalently, by Unicode code point): negative if a sorts first, zero if
 * equal, positive otherwise. JS `<` compares UTF-16 code units, which
 * differs when a character above U+FFFF meets one in U+E000–U+FFFF.
 */
export function compareBytewise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Reports whether s has no lone surrogate, so it encodes as valid UTF-8. */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * Returns s with every lone surrogate replaced by U+FFFD, as Go replaces
 * invalid UTF-8 when it decodes or encodes JSON.
 */
export function toWellFormed(s: string): string {
  if (isWellFormed(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += "\ufffd";
    } else {
      out += s[i]!;
    }
  }
  return out;
}
