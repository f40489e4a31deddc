// The status bar: connection state, the last messages and every error.
// Nothing the editor does fails silently: a failure goes through
// Status.error, which shows it, keeps it for the test hooks and logs it to
// the console with its stack.

import { errorText } from "./api";

/** The sync connection as the status bar shows it. */
export type ConnectionState = "connecting" | "online" | "offline" | "none";

/** One message of the status bar. */
export interface StatusMessage {
  level: "info" | "error";
  text: string;
  at: number;
}

/** How many messages the bar keeps. */
const KEEP = 50;

/** The status model and, once mounted, its view. */
export class Status {
  connection: ConnectionState = "none";
  /** Why the connection is down, when the server said (close code and reason). */
  connectionDetail = "";
  readonly messages: StatusMessage[] = [];
  #el: HTMLElement | null = null;
  #listeners: Array<() => void> = [];

  /** Renders into el from now on. */
  mount(el: HTMLElement): void {
    this.#el = el;
    el.classList.add("status-bar");
    el.setAttribute("role", "status");
    this.#render();
  }

  /** Calls fn after every update. */
  onUpdate(fn: () => void): void {
    this.#listeners.push(fn);
  }

  setConnection(state: ConnectionState, detail = ""): void {
    if (state === this.connection && detail === this.connectionDetail) return;
    this.connection = state;
    this.connectionDetail = detail;
    this.#changed();
  }

  info(text: string): void {
    this.#push({ level: "info", text, at: Date.now() });
  }

  /** Reports a failure: what was being done, and why it failed. */
  error(context: string, err?: unknown): void {
    const text = err === undefined ? context : `${context}: ${errorText(err)}`;
    console.error(`atelier: ${text}`, err);
    this.#push({ level: "error", text, at: Date.now() });
  }

  /** The error messages kept, oldest first. */
  errors(): string[] {
    return this.messages.filter((m) => m.level === "error").map((m) => m.text);
  }

  clear(): void {
    this.messages.length = 0;
    this.#changed();
  }

  #push(m: StatusMessage): void {
    this.messages.push(m);
    if (this.messages.length > KEEP) this.messages.splice(0, this.messages.length - KEEP);
    this.#changed();
  }

  #changed(): void {
    this.#render();
    for (const fn of this.#listeners) fn();
  }

  #render(): void {
    const el = this.#el;
    if (el === null) return;
    el.replaceChildren();
    if (this.connection !== "none") {
      const conn = document.createElement("span");
      conn.className = `conn conn-${this.connection}`;
      conn.dataset["state"] = this.connection;
      conn.textContent = this.connection + (this.connectionDetail ? ` (${this.connectionDetail})` : "");
      el.append(conn);
    }
    const last = this.messages.at(-1);
    if (last !== undefined) {
      const msg = document.createElement("span");
      msg.className = `msg msg-${last.level}`;
      msg.textContent = last.text;
      msg.title = new Date(last.at).toLocaleTimeString();
      el.append(msg);
    }
    const errs = this.errors();
    if (errs.length > 0) {
      const details = document.createElement("details");
      details.className = "errors";
      const summary = document.createElement("summary");
      summary.textContent = `${errs.length} error${errs.length === 1 ? "" : "s"}`;
      const list = document.createElement("ol");
      for (const e of errs) {
        const li = document.createElement("li");
        li.textContent = e;
        list.append(li);
      }
      const clear = document.createElement("button");
      clear.type = "button";
      clear.textContent = "Clear";
      clear.addEventListener("click", () => this.clear());
      details.append(summary, list, clear);
      el.append(details);
    }
  }
}

/** Sends uncaught errors and unhandled rejections to the status bar. */
export function catchGlobalErrors(status: Status, target: Window): void {
  target.addEventListener("error", (ev) => status.error("uncaught error", ev.error ?? ev.message));
  target.addEventListener("unhandledrejection", (ev) => status.error("unhandled rejection", ev.reason));
}
