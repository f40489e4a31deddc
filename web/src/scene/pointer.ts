// RFC 6901 JSON Pointers relative to a node map, as the "props" of an
// operation message use them (Go pointer and escapePointer).

/** Escapes one JSON Pointer reference token: "~" as "~0", "/" as "~1". */
export function escapePointer(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Joins reference tokens into a JSON Pointer ("" for none). */
export function pointer(...tokens: string[]): string {
  return tokens.map((t) => "/" + escapePointer(t)).join("");
}
