// The typed REST client for Atelier's HTTP API (docs/api.md): worlds only,
// which is all the editor needs over HTTP; documents travel over /sync.
// Every failure is an ApiError carrying the HTTP status (0 when the server
// could not be reached) and the server's {"error": …} message.

import type { AutomergeUrl } from "@automerge/automerge-repo";

/** A world's id: a canonical lowercase UUID. */
export type WorldId = string & { readonly __brand: "WorldId" };

/** A layer's id: a canonical lowercase UUID. */
export type LayerId = string & { readonly __brand: "LayerId" };

/** The caller's role on a world, strongest first. */
export type Role = "owner" | "editor" | "reviewer" | "viewer";

/** A layer as the API lists it. */
export interface Layer {
  id: LayerId;
  name: string;
  url: AutomergeUrl;
}

/** A world as the API returns it. */
export interface World {
  id: WorldId;
  name: string;
  /** The manifest document's automerge URL. */
  url: AutomergeUrl;
  layers: Layer[];
  createdAt: string;
  createdBy: string;
  role: Role | "";
}

/** Reports whether a role may change documents (editor or owner). */
export function canEdit(role: Role | ""): boolean {
  return role === "owner" || role === "editor";
}

/** An API call that failed: status 0 for a network failure, else the HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, status: number, message: string) {
    super(`${method} ${path}: ${status === 0 ? "" : `${status} `}${message}`);
    this.name = "ApiError";
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

/** How the client authenticates. */
export interface Credentials {
  /** Local mode (no token): the user name, sent as ?user=. */
  user: string;
  /** Token mode: a bearer token; when set, user is not sent. */
  token: string;
}

/** Options of an Api client. */
export interface ApiOptions {
  /** Origin to call, "" for the page's own. */
  base?: string;
  credentials?: Credentials;
  /** The fetch to use (tests pass a fake). */
  fetch?: typeof fetch;
}

/** The HTTP API client. */
export class Api {
  readonly #base: string;
  readonly #credentials: Credentials;
  readonly #fetch: typeof fetch;

  constructor(opts: ApiOptions = {}) {
    this.#base = opts.base ?? "";
    this.#credentials = opts.credentials ?? { user: "", token: "" };
    this.#fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** GET /api/worlds: the worlds the caller has a role on. */
  async listWorlds(): Promise<World[]> {
    const body = await this.#request("GET", "/api/worlds");
    const worlds = field(body, "worlds");
    if (!Array.isArray(worlds)) throw malformed("GET", "/api/worlds", "worlds is not a list");
    return worlds.map((w) => parseWorld(w, "GET", "/api/worlds"));
  }

  /** GET /api/worlds/{id}. */
  async getWorld(id: WorldId): Promise<World> {
    const path = `/api/worlds/${encodeURIComponent(id)}`;
    return parseWorld(await this.#request("GET", path), "GET", path);
  }

  /** POST /api/worlds {"name"}: a new world with one layer, "Main". */
  async createWorld(name: string): Promise<World> {
    return parseWorld(await this.#request("POST", "/api/worlds", { name }), "POST", "/api/worlds");
  }

  /** PATCH /api/worlds/{id} {"name"}: rename (editors and owners). */
  async renameWorld(id: WorldId, name: string): Promise<World> {
    const path = `/api/worlds/${encodeURIComponent(id)}`;
    return parseWorld(await this.#request("PATCH", path, { name }), "PATCH", path);
  }

  /**
   * Calls any route of the API and returns its parsed JSON body, undefined
   * for 204 No Content (the typed clients of other modules, such as
   * historyapi.ts, are built on it).
   */
  request(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.#request(method, path, body);
  }

  async #request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { Accept: "application/json" };
    let url = this.#base + path;
    if (this.#credentials.token !== "") {
      headers["Authorization"] = `Bearer ${this.#credentials.token}`;
    } else if (this.#credentials.user !== "") {
      url += `${path.includes("?") ? "&" : "?"}user=${encodeURIComponent(this.#credentials.user)}`;
    }
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp: Response;
    try {
      resp = await this.#fetch(url, init);
    } catch (err) {
      throw new ApiError(method, path, 0, `server unreachable (${errorText(err)})`);
    }
    const text = await resp.text().catch(() => "");
    let parsed: unknown = undefined;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: reported below.
    }
    if (!resp.ok) {
      const msg = field(parsed, "error");
      throw new ApiError(method, path, resp.status, typeof msg === "string" ? msg : resp.statusText || text.slice(0, 200));
    }
    if (resp.status === 204) return undefined; // No Content: a DELETE's success
    if (parsed === undefined) throw malformed(method, path, "response is not JSON");
    return parsed;
  }
}

/** Returns v[key] when v is an object, else undefined. */
function field(v: unknown, key: string): unknown {
  return typeof v === "object" && v !== null && Object.prototype.hasOwnProperty.call(v, key)
    ? (v as Record<string, unknown>)[key]
    : undefined;
}

function malformed(method: string, path: string, why: string): ApiError {
  return new ApiError(method, path, 200, `malformed response: ${why}`);
}

const ROLES: ReadonlySet<string> = new Set(["owner", "editor", "reviewer", "viewer"]);

/** Checks and narrows one world of a response. */
export function parseWorld(v: unknown, method = "GET", path = ""): World {
  const str = (key: string, required: boolean): string => {
    const x = field(v, key);
    if (typeof x === "string") return x;
    if (!required && x === undefined) return "";
    throw malformed(method, path, `world.${key} is not a string`);
  };
  const layers = field(v, "layers");
  if (!Array.isArray(layers)) throw malformed(method, path, "world.layers is not a list");
  const role = str("role", false);
  return {
    id: str("id", true) as WorldId,
    name: str("name", true),
    url: str("url", true) as AutomergeUrl,
    createdAt: str("createdAt", false),
    createdBy: str("createdBy", false),
    role: ROLES.has(role) ? (role as Role) : "",
    layers: layers.map((l): Layer => {
      const id = field(l, "id");
      const name = field(l, "name");
      const url = field(l, "url");
      if (typeof id !== "string" || typeof name !== "string" || typeof url !== "string") {
        throw malformed(method, path, "a layer lacks id, name or url");
      }
      return { id: id as LayerId, name, url: url as AutomergeUrl };
    }),
  };
}

/** A readable message for any thrown value. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
