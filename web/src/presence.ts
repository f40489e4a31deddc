// Presence: who else has this world open, what they have selected, where
// their camera is and which node they are dragging or typing in. Each
// editor broadcasts its state as an automerge-repo ephemeral message on the
// world's manifest document (the server relays ephemeral messages to every
// other peer of a document and never stores them, docs/protocol.md): on
// change at most PRESENCE_RATE_MS apart, and again every HEARTBEAT_MS. A
// peer silent for PEER_TTL_MS is dropped. Presence is advisory: "editing"
// marks a node softly, it never locks it.
//
// This module is the pure part (message shape, validation, bookkeeping,
// colours); presencechannel.ts wires it to a DocHandle.

import type { CameraPose } from "./deeplink";

/** At most one broadcast per this many ms (10 Hz). */
export const PRESENCE_RATE_MS = 100;
/** A broadcast at least this often, even when nothing changed. */
export const HEARTBEAT_MS = 2000;
/** Peers silent this long are dropped. */
export const PEER_TTL_MS = 6000;
/** The marker of Atelier presence messages among a document's ephemeral messages. */
export const PRESENCE_KIND = "atelier/presence";
/** Selections longer than this are cut in messages (the server caps ephemeral payloads at 64 KiB). */
export const MAX_SELECTION = 200;

/** What one editor tells the others. */
export interface PresenceState {
  user: string;
  /** A CSS hex colour, stable for the user name (colourOf). */
  colour: string;
  /** Selected node ids, primary selection first. */
  selection: string[];
  camera: CameraPose | null;
  /** The node being dragged or typed in, or null. */
  editing: string | null;
}

/** The wire message: a state, or a goodbye when the page goes. */
export type PresenceMessage =
  | ({ kind: typeof PRESENCE_KIND; v: 1; bye?: false } & PresenceState)
  | { kind: typeof PRESENCE_KIND; v: 1; bye: true };

/** A peer as the editor shows it. */
export interface Peer extends PresenceState {
  /** The automerge-repo peer id (one per tab). */
  peerId: string;
  /** When its last message arrived (ms, the book's clock). */
  seenAt: number;
}

/** Builds the message for a state. */
export function presenceMessage(s: PresenceState): PresenceMessage {
  return {
    kind: PRESENCE_KIND,
    v: 1,
    user: s.user,
    colour: s.colour,
    selection: s.selection.slice(0, MAX_SELECTION),
    camera: s.camera,
    editing: s.editing,
  };
}

/** A goodbye message. */
export function byeMessage(): PresenceMessage {
  return { kind: PRESENCE_KIND, v: 1, bye: true };
}

/**
 * Reads a received message leniently: null when it is not an Atelier
 * presence message at all, "bye" for a goodbye, else the state with every
 * malformed field replaced by its default (a peer of another version must
 * not break the page).
 */
export function readPresence(m: unknown): PresenceState | "bye" | null {
  if (typeof m !== "object" || m === null) return null;
  const r = m as Record<string, unknown>;
  if (r["kind"] !== PRESENCE_KIND) return null;
  if (r["bye"] === true) return "bye";
  const user = typeof r["user"] === "string" ? r["user"].slice(0, 100) : "";
  const colour = typeof r["colour"] === "string" && /^#[0-9a-f]{6}$/i.test(r["colour"]) ? r["colour"] : colourOf(user);
  const sel = Array.isArray(r["selection"]) ? r["selection"].filter((x): x is string => typeof x === "string") : [];
  const editing = typeof r["editing"] === "string" ? r["editing"] : null;
  return { user, colour, selection: sel.slice(0, MAX_SELECTION), camera: readPose(r["camera"]), editing };
}

function readPose(v: unknown): CameraPose | null {
  if (typeof v !== "object" || v === null) return null;
  const p = (v as Record<string, unknown>)["position"];
  const q = (v as Record<string, unknown>)["quaternion"];
  const finite = (a: unknown, n: number): a is number[] =>
    Array.isArray(a) && a.length === n && a.every((x) => typeof x === "number" && Number.isFinite(x));
  if (!finite(p, 3) || !finite(q, 4)) return null;
  return { position: [p[0]!, p[1]!, p[2]!], quaternion: [q[0]!, q[1]!, q[2]!, q[3]!] };
}

/** Whether two states would show the same (so no broadcast is needed). */
export function sameState(a: PresenceState, b: PresenceState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A colour for a user name: same name, same colour, on every machine. */
export function colourOf(user: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < user.length; i++) h = Math.imul(h ^ user.charCodeAt(i), 0x01000193);
  const hue = (h >>> 0) % 360;
  return hslToHex(hue, 0.7, 0.6);
}

function hslToHex(hue: number, s: number, l: number): string {
  const k = (n: number): number => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return "#" + [f(0), f(8), f(4)].map((x) => Math.round(x * 255).toString(16).padStart(2, "0")).join("");
}

/** The peers heard from: updated by messages, expired by silence. */
export class PresenceBook {
  readonly #peers = new Map<string, Peer>();
  readonly #ttl: number;

  constructor(ttlMs = PEER_TTL_MS) {
    this.#ttl = ttlMs;
  }

  /** Takes a message from peerId at time now; returns whether what is shown changed. */
  receive(peerId: string, message: unknown, now: number): boolean {
    const s = readPresence(message);
    if (s === null) return false;
    if (s === "bye") return this.#peers.delete(peerId);
    const old = this.#peers.get(peerId);
    this.#peers.set(peerId, { ...s, peerId, seenAt: now });
    return old === undefined || !sameState(stateOf(old), s);
  }

  /** Drops peers silent for longer than the TTL; returns the dropped peer ids. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [id, p] of this.#peers) {
      if (now - p.seenAt > this.#ttl) {
        this.#peers.delete(id);
        gone.push(id);
      }
    }
    return gone;
  }

  /** Forgets everyone (the connection dropped). */
  clear(): void {
    this.#peers.clear();
  }

  /** The peers, ordered by user name then peer id. */
  peers(): Peer[] {
    return [...this.#peers.values()].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : a.peerId < b.peerId ? -1 : 1));
  }

  /** For each node id, the colours of the peers who have it selected. */
  selectionColours(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const p of this.peers()) {
      for (const id of p.selection) {
        const list = out.get(id) ?? [];
        if (!list.includes(p.colour)) list.push(p.colour);
        out.set(id, list);
      }
    }
    return out;
  }
}

function stateOf(p: Peer): PresenceState {
  return { user: p.user, colour: p.colour, selection: p.selection, camera: p.camera, editing: p.editing };
}
