// Who the editor acts as. In local mode (a loopback server without a
// secret) the user simply names themselves, sent as ?user= on every
// request and on the sync websocket; in token mode a bearer token says who
// they are. Both are remembered in localStorage. A page URL carrying
// ?user= or ?token= sets them (handy for links and tests); they are then
// removed from the address bar so a token does not linger in history.

import type { Credentials } from "./api";

/** The localStorage keys. */
const USER_KEY = "atelier.user";
const TOKEN_KEY = "atelier.token";

/** The longest user name the server accepts, in UTF-8 bytes. */
export const MAX_USER_BYTES = 128;

/** The minimal storage the identity needs (localStorage, or a fake). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Returns why name cannot be a user name, or "" when it can (mirrors server/auth checkUser). */
export function userNameProblem(name: string): string {
  if (name === "") return "a name is required";
  if (new TextEncoder().encode(name).length > MAX_USER_BYTES) return `at most ${MAX_USER_BYTES} bytes`;
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and
  // the ASCII space; the server also refuses U+FFFD.
  if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u.test(name) || name.includes("\u{FFFD}")) {
    return "only printable characters";
  }
  return "";
}

/** Reads the stored credentials ("" for what is not set). */
export function loadCredentials(store: KeyValueStore): Credentials {
  return { user: store.getItem(USER_KEY) ?? "", token: store.getItem(TOKEN_KEY) ?? "" };
}

/** Stores the user name (trimmed); throws if the server would refuse it. */
export function saveUser(store: KeyValueStore, name: string): string {
  const user = name.trim();
  const problem = userNameProblem(user);
  if (problem !== "") throw new Error(`user name: ${problem}`);
  store.setItem(USER_KEY, user);
  return user;
}

/** Stores a bearer token, or forgets it when token is "". */
export function saveToken(store: KeyValueStore, token: string): void {
  if (token.trim() === "") store.removeItem(TOKEN_KEY);
  else store.setItem(TOKEN_KEY, token.trim());
}

/**
 * Takes ?user= and ?token= out of a page URL into the store. It returns
 * the URL without them, or null when it had neither.
 */
export function adoptURLCredentials(store: KeyValueStore, url: URL): URL | null {
  const user = url.searchParams.get("user");
  const token = url.searchParams.get("token");
  if (user === null && token === null) return null;
  if (user !== null && userNameProblem(user.trim()) === "") saveUser(store, user);
  if (token !== null) saveToken(store, token);
  const out = new URL(url.href);
  out.searchParams.delete("user");
  out.searchParams.delete("token");
  return out;
}

/** How the header names the current user: in token mode, the token's subject. */
export function displayName(c: Credentials): string {
  if (c.token !== "") return `${tokenSubject(c.token) ?? "?"} (token)`;
  return c.user !== "" ? c.user : "local";
}

/**
 * The "sub" claim of a JWT, read without checking the signature (the
 * server checks it; this is only for display), or undefined.
 */
export function tokenSubject(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(json, (ch) => ch.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const sub = typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>)["sub"] : undefined;
    return typeof sub === "string" ? sub : undefined;
  } catch {
    return undefined;
  }
}
