// The session's realtime channel: a websocket on which the server pushes
// every change of the session (playback state, annotations, tasks, who is
// here, the build's context) as JSON messages. On connect the server first
// sends "snapshot" with the shared state and who is here, so a reconnect resumes
// exactly where the session is. Writes go over HTTP (reviewapi.ts); the
// channel only listens. It reconnects with backoff until closed.

import type { Credentials } from "../api";

/** A message from the channel: "type" names it, the rest is its payload. */
export interface ChannelMessage {
  type: string;
  [key: string]: unknown;
}

/** Channel events. */
export interface ChannelEvents {
  message(m: ChannelMessage): void;
  /** Connected (true) or lost (false, with why). */
  connection(up: boolean, why: string): void;
  /** Stopped retrying after MAX_FAILURES connections in a row that never opened. */
  gaveUp?(): void;
}

/** Connections in a row that may fail to open before the channel gives up. */
export const MAX_FAILURES = 5;

/** The channel of one review session. */
export class ReviewChannel {
  readonly #url: string;
  readonly #events: ChannelEvents;
  #ws: WebSocket | null = null;
  #closed = false;
  #backoff = 250;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Connections in a row that closed before opening (refused before the upgrade, or no server). */
  #failures = 0;

  constructor(review: string, cred: Credentials, events: ChannelEvents) {
    const u = new URL(`/api/reviews/${encodeURIComponent(review)}/channel`, window.location.href);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    if (cred.token !== "") u.searchParams.set("token", cred.token);
    else if (cred.user !== "") u.searchParams.set("user", cred.user);
    this.#url = u.toString();
    this.#events = events;
  }

  /** Connects (and keeps reconnecting until close). */
  open(): void {
    if (this.#closed || this.#ws !== null) return;
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.#backoff = 250;
      this.#failures = 0;
      this.#events.connection(true, "");
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== "string") return;
      let m: unknown;
      try {
        m = JSON.parse(e.data);
      } catch {
        return; // the server sends JSON only; a broken frame is dropped
      }
      if (typeof m === "object" && m !== null && typeof (m as ChannelMessage).type === "string") this.#events.message(m as ChannelMessage);
    };
    ws.onclose = (e) => {
      this.#ws = null;
      if (!opened) this.#failures++;
      this.#events.connection(false, e.reason || `closed (${e.code})`);
      if (this.#closed || (e.code >= 4400 && e.code < 4500 && e.code !== 4408 && e.code !== 4429)) return; // refused: do not retry
      if (this.#failures >= MAX_FAILURES) {
        // A refusal (403, 404) comes before the upgrade and looks like any
        // failure to the browser: after a few in a row, let the page ask why.
        this.#events.gaveUp?.();
        return;
      }
      this.#timer = setTimeout(() => this.open(), this.#backoff);
      this.#backoff = Math.min(this.#backoff * 2, 5000);
    };
  }

  /** Stops for good. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#ws?.close(1000, "leaving");
    this.#ws = null;
  }
}
