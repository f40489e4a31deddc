// The presence channel of one open world: this editor's state broadcast
// on the world's manifest handle (throttled to PRESENCE_RATE_MS, repeated
// every HEARTBEAT_MS), the other peers' states received from it and kept
// in a PresenceBook, expired when silent (presence.ts).

import type { DocHandle, DocHandleEphemeralMessagePayload } from "@automerge/automerge-repo";
import {
  byeMessage, HEARTBEAT_MS, PresenceBook, presenceMessage, PRESENCE_RATE_MS, sameState,
  type Peer, type PresenceState,
} from "./presence";
import { Throttle } from "./throttle";

/** Broadcasts our presence and keeps the others'. */
export class PresenceChannel {
  readonly book = new PresenceBook();
  readonly #onChange: () => void;
  #handle: DocHandle<unknown> | null = null;
  #state: PresenceState;
  #sent: PresenceState | null = null;
  readonly #send = new Throttle(() => this.#broadcast(), PRESENCE_RATE_MS);
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #listener = (p: DocHandleEphemeralMessagePayload<unknown>): void => {
    if (this.book.receive(String(p.senderId), p.message, Date.now())) this.#onChange();
  };

  constructor(initial: PresenceState, onChange: () => void) {
    this.#state = initial;
    this.#onChange = onChange;
  }

  /** Starts on a handle (the world's manifest). */
  attach(handle: DocHandle<unknown>): void {
    this.detach();
    this.#handle = handle;
    handle.on("ephemeral-message", this.#listener);
    this.#timer = setInterval(() => this.#tick(), 500);
    this.#send.call();
  }

  /** Stops, telling the others (best effort). */
  detach(): void {
    if (this.#handle === null) return;
    try {
      this.#handle.broadcast(byeMessage());
    } catch {
      // the page is going; the others expire us anyway
    }
    this.#handle.off("ephemeral-message", this.#listener);
    this.#handle = null;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#send.cancel();
  }

  /** Updates (part of) our state; broadcast soon if it changed. */
  update(patch: Partial<PresenceState>): void {
    const next = { ...this.#state, ...patch };
    if (sameState(next, this.#state)) return;
    this.#state = next;
    this.#send.call();
  }

  /** Our state. */
  get state(): PresenceState {
    return this.#state;
  }

  /** The other peers. */
  peers(): Peer[] {
    return this.book.peers();
  }

  #tick(): void {
    if (this.book.expire(Date.now()).length > 0) this.#onChange();
    if (Date.now() - this.#lastSent >= HEARTBEAT_MS) this.#send.call();
  }

  #lastSent = 0;

  #broadcast(): void {
    const h = this.#handle;
    if (h === null) return;
    this.#lastSent = Date.now();
    this.#sent = this.#state;
    h.broadcast(presenceMessage(this.#sent));
  }
}
