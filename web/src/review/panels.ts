// The review page's side panels: tasks (with their status), the timeline
// of annotations by media time (markers on a bar, a list below), and the
// session's event log. Each annotation and task links into the editor at
// the place it shows.

import { h } from "../dom";
import type { Annotation, PlaybackState, Recording, ReviewEvent, Task, TaskStatus } from "./reviewapi";

/** What the panels ask of the page. */
export interface PanelEvents {
  seekTo(a: Annotation): void;
  setStatus(t: Task, s: TaskStatus): void;
  watchRecording(r: Recording): void;
  /** Deletes a recording; given only to those who may (mayDelete). */
  deleteRecording(r: Recording): void;
}

/** The side panels. */
export class ReviewPanels {
  readonly el: HTMLElement;
  readonly #events: PanelEvents;
  readonly #tasks = h("ul", { class: "review-tasks" });
  readonly #timeline = h("div", { class: "review-timeline" });
  readonly #log = h("ol", { class: "review-log" });
  readonly #recordings = h("ul", { class: "review-recordings" });

  readonly #mayDelete: boolean;

  /**
   * exportLink(path) is path with the caller's credentials, for a plain link;
   * mayDelete shows a Delete button on each recording (the session's creator).
   */
  constructor(events: PanelEvents, review: string, exportLink: (path: string) => string, mayDelete = false) {
    this.#events = events;
    this.#mayDelete = mayDelete;
    const base = `/api/reviews/${encodeURIComponent(review)}`;
    const exports = h(
      "p",
      { class: "review-exports" },
      "Export: ",
      h("a", { href: exportLink(`${base}/notes?format=csv`), text: "notes CSV" }),
      " · ",
      h("a", { href: exportLink(`${base}/notes?format=json`), text: "notes JSON" }),
      " · ",
      h("a", { href: exportLink(`${base}/events?format=csv`), text: "events CSV" }),
    );
    this.el = h(
      "aside",
      { class: "review-side" },
      h("h2", { text: "Tasks" }),
      this.#tasks,
      h("h2", { text: "Timeline" }),
      this.#timeline,
      h("h2", { text: "Recordings" }),
      this.#recordings,
      h("h2", { text: "Event log" }),
      this.#log,
      exports,
    );
  }

  /** Lists the session's recordings. */
  showRecordings(recs: readonly Recording[]): void {
    this.#recordings.replaceChildren(
      ...recs.map((r) => {
        const watch = h("button", { type: "button", class: "small watch-recording", "data-recording": r.id, text: "Watch" });
        watch.addEventListener("click", () => this.#events.watchRecording(r));
        const item = h("li", {}, `${new Date(r.startedAt).toLocaleString()} · ${r.duration.toFixed(1)} s `);
        if (r.recovered) {
          item.append(h("span", {
            class: "recovered", text: "recovered ",
            title: "The server stopped while recording; the recording was finished when it restarted, with every complete frame.",
          }));
        }
        item.append(watch);
        if (this.#mayDelete) {
          const del = h("button", { type: "button", class: "small delete-recording", "data-recording": r.id, text: "Delete" });
          del.addEventListener("click", () => {
            if (window.confirm(`Delete the recording of ${new Date(r.startedAt).toLocaleString()} (${r.duration.toFixed(1)} s)? Its media files are removed; notes made on it stay.`)) {
              this.#events.deleteRecording(r);
            }
          });
          item.append(" ", del);
        }
        return item;
      }),
    );
    if (recs.length === 0) this.#recordings.append(h("li", { class: "empty", text: "None yet: every stream is recorded." }));
  }

  render(annotations: readonly Annotation[], tasks: readonly Task[], state: PlaybackState): void {
    this.#tasks.replaceChildren(...tasks.map((t) => this.#task(t)));
    const sorted = [...annotations].sort((a, b) => a.mediaTime - b.mediaTime);
    const end = Math.max(state.mediaTime, ...sorted.map((a) => a.mediaTime), 1);
    const bar = h("div", { class: "timeline-bar" });
    for (const a of sorted) {
      const m = h("button", { type: "button", class: "marker", title: `${a.mediaTime.toFixed(2)} s: ${a.text}`, style: `left: ${(100 * a.mediaTime) / end}%` });
      m.addEventListener("click", () => this.#events.seekTo(a));
      bar.append(m);
    }
    const items = sorted.map((a) => {
      const show = h("button", { type: "button", class: "small", text: "show" });
      show.addEventListener("click", () => this.#events.seekTo(a));
      return h(
        "li",
        { class: "annotation", "data-annotation": a.id },
        h("span", { class: "time", text: `${a.mediaTime.toFixed(2)} s` }),
        ` ${a.author}: ${a.text} `,
        show,
        a.deepLink !== "" ? h("a", { href: a.deepLink, class: "open-editor", text: "open in editor" }) : null,
      );
    });
    this.#timeline.replaceChildren(bar, h("ul", {}, ...items));
  }

  #task(t: Task): HTMLElement {
    const sel = h("select", { name: "status", "aria-label": `Status of ${t.title}` });
    for (const s of ["open", "in-progress", "done"] as TaskStatus[]) sel.append(h("option", { value: s, text: s }));
    sel.value = t.status;
    sel.addEventListener("change", () => this.#events.setStatus(t, sel.value as TaskStatus));
    return h(
      "li",
      { class: "task", "data-task": t.id },
      h("strong", { text: t.title }),
      ` ${t.priority}${t.assignee ? ` · ${t.assignee}` : ""} · ${t.annotations.length} note(s) `,
      sel,
      t.deepLink !== "" ? h("a", { href: t.deepLink, class: "open-editor", text: "open in editor" }) : null,
    );
  }

  /** Shows the event log (the last 500 events). */
  showEvents(events: readonly ReviewEvent[]): void {
    this.#log.replaceChildren(
      ...events.slice(-500).map((e) => {
        const detail = Object.entries(e.detail).map(([k, v]) => `${k}=${v}`).join(" ");
        return h("li", { class: `event event-${e.kind}`, text: `${e.mediaTime.toFixed(2)} s · ${e.user} ${e.kind} ${detail}` });
      }),
    );
  }
}
