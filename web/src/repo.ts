// The editor's automerge-repo: a peer of the server like any other client,
// synced over the websocket at /sync (the automerge-repo protocol,
// docs/protocol.md) and cached in IndexedDB, so a world reopens from the
// browser's copy and edits made offline sync when the connection returns.

import { Repo, type PeerId } from "@automerge/automerge-repo";
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb";
import type { Credentials } from "./api";
import type { ConnectionState } from "./status";

/** The IndexedDB database holding the local copies. */
export const STORAGE_DB = "atelier";

/**
 * How long automerge-repo batches a document's changes before sending a
 * sync message, in ms (its default is 100: a gizmo drag would reach the
 * others at 10 Hz, a lone edit up to 100 ms late). automerge-repo 2.5 has
 * no Repo option for it (RepoConfig has only saveDebounceRate): the build
 * makes DocSynchronizer read this global (web/vite.config.ts, which fails
 * the build if the library changed shape), so set it before new Repo.
 */
export const SYNC_DEBOUNCE_MS = 16;

/** The global the patched DocSynchronizer reads its debounce rate from. */
declare global {
  var __atelierSyncDebounceRate: number | undefined;
}

/**
 * The sync debounce rate the Repo's document synchronizers actually use
 * (undefined before any document is open), to check that the build patch
 * took.
 */
export function syncDebounceRate(repo: Repo): number | undefined {
  const syncs = Object.values(repo.synchronizer.docSynchronizers);
  return syncs[0]?.syncDebounceRate;
}

/** How long the adapter waits before reconnecting, in ms. */
const RETRY_MS = 3000;

/** The server's close codes (docs/protocol.md), for messages. */
const CLOSE_REASONS: Record<number, string> = {
  1001: "server shutting down",
  1006: "connection lost",
  1011: "server storage failure",
  4400: "bad message",
  4401: "not authenticated",
  4403: "forbidden",
  4408: "timeout",
  4409: "replaced by another connection",
  4413: "message too large",
  4429: "too slow",
};

/** The sync endpoint for a page at location, as the given user. */
export function syncURL(location: { protocol: string; host: string }, cred: Credentials): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const q = cred.token !== "" ? `token=${encodeURIComponent(cred.token)}` : `user=${encodeURIComponent(cred.user || "local")}`;
  return `${scheme}//${location.host}/sync?${q}`;
}

/** Describes a websocket close for the status bar ("" for a normal close). */
export function describeClose(code: number, reason: string): string {
  if (code === 1000) return "";
  const known = CLOSE_REASONS[code] ?? "closed";
  return `${code} ${known}${reason !== "" && reason !== known ? `: ${reason}` : ""}`;
}

/** What the connection reports. */
export interface ConnectionEvents {
  state(state: ConnectionState, detail: string): void;
  /** The server closed the connection with an error (a 4xxx or 1011 code). */
  refused(detail: string): void;
}

/**
 * The websocket client adapter, watching its socket so the editor can show
 * whether it is online and why the server closed it. It reconnects by
 * itself (every RETRY_MS).
 */
export class WatchedSocketAdapter extends BrowserWebSocketClientAdapter {
  readonly #events: ConnectionEvents;

  constructor(url: string, events: ConnectionEvents) {
    super(url, RETRY_MS);
    this.#events = events;
    this.on("peer-candidate", () => events.state("online", ""));
  }

  override connect(...args: Parameters<BrowserWebSocketClientAdapter["connect"]>): void {
    super.connect(...args);
    const socket = this.socket as unknown as WebSocket | undefined;
    if (socket === undefined) return;
    if (socket.readyState !== WebSocket.OPEN) this.#events.state("connecting", "");
    socket.addEventListener("close", (ev: CloseEvent) => {
      if ((this.socket as unknown) !== socket) return; // an older attempt
      const detail = describeClose(ev.code, ev.reason);
      this.#events.state("offline", detail);
      if (ev.code >= 4000 || ev.code === 1011) this.#events.refused(detail);
    });
  }
}

/** A Repo connected to the server at location, as the given user. */
export function openRepo(location: { protocol: string; host: string }, cred: Credentials, events: ConnectionEvents): Repo {
  const adapter = new WatchedSocketAdapter(syncURL(location, cred), events);
  events.state("connecting", "");
  globalThis.__atelierSyncDebounceRate = SYNC_DEBOUNCE_MS;
  return new Repo({
    network: [adapter],
    storage: new IndexedDBStorageAdapter(STORAGE_DB),
    peerId: newPeerId(cred.user),
    // Announce to the server only what this tab opened (the default);
    // the server syncs only documents of worlds the user may see.
    sharePolicy: async () => true,
  });
}

/**
 * A peer id unique to this tab. The server ties a peer id to one user
 * and closes an older connection of the same id (4409), so two tabs must
 * never share one.
 */
function newPeerId(user: string): PeerId {
  const safe = user.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 32) || "user";
  return `web-${safe}-${crypto.randomUUID().slice(0, 8)}` as PeerId;
}
