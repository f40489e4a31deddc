// The review page: watch a session's stream over WHEP, follow the driver's
// pause (every viewer holds the same frame), draw and write on the frame,
// turn notes into tasks, and follow the session's timeline, tasks and
// event log. Writes go over HTTP; the session's channel pushes every
// change to everyone.

import "../review/review.css";
import { errorText, type Api, type Credentials } from "../api";
import { h } from "../dom";
import { ReviewChannel, type ChannelMessage } from "../review/channel";
import { ReviewPanels } from "../review/panels";
import { parseAnnotation, parsePlayer, parseState, parseTask, ReviewApi, type Annotation, type PlaybackState, type PlayerState, type Recording, type Review, type Task } from "../review/reviewapi";
import type { ShapeKind } from "../review/shapes";
import { Stage } from "../review/stage";
import { NoPublisher, watch, type MediaSession } from "../review/webrtc";
import type { Shell } from "../shell";
import type { Status } from "../status";

/** What browser tests read on the review page (window.__review). */
export interface ReviewHooks {
  framesSeen(): number;
  currentRtp(): number | null;
  /** The frame held: its RTP timestamp, and whether it is the one the driver named (else the nearest this page presented). */
  held(): { rtp: number; exact: boolean } | null;
  state(): PlaybackState | null;
  role(): string;
  annotations(): number;
  tasks(): Array<{ id: string; title: string; status: string }>;
  channelUp(): boolean;
  recordings(): number;
  /** The recording being watched and its playback, null while live. */
  playback(): { recording: string; playing: boolean; mediaTime: number } | null;
}

declare global {
  interface Window {
    __review?: ReviewHooks;
  }
}

/** Mounts the review page of session id. */
export async function mountReviewPage(shell: Shell, api: Api, cred: Credentials, status: Status, id: string): Promise<void> {
  const reviews = new ReviewApi(api);
  shell.title.replaceChildren(h("h1", { text: "Loading review…" }));
  let review: Review;
  try {
    review = await reviews.get(id);
  } catch (err) {
    shell.title.replaceChildren(h("h1", { text: "Review not available" }));
    shell.main.replaceChildren(h("p", { class: "empty" }, errorText(err), " ", h("a", { href: "/reviews", text: "All reviews" })));
    status.error("opening the review", err);
    return;
  }
  new ReviewPage(shell, reviews, cred, status, review).start();
}

class ReviewPage {
  readonly #reviews: ReviewApi;
  readonly #cred: Credentials;
  readonly #status: Status;
  readonly #review: Review;
  readonly #stage = new Stage();
  readonly #panels: ReviewPanels;
  readonly #bar = h("div", { class: "review-bar" });
  readonly #notes = h("div", { class: "review-notes" });
  #state: PlaybackState;
  #heldInfo: { rtp: number; exact: boolean } | null = null;
  #annotations: Annotation[] = [];
  #tasks: Task[] = [];
  /** The build's latest context sample (shown; the server attaches it to notes). */
  #context: unknown = null;
  #channelUp = false;
  #media: MediaSession | null = null;
  #follow = true;
  /** The recording watched instead of the live stream, with its playback; null while live. */
  #recording: { rec: Recording; player: PlayerState } | null = null;

  constructor(shell: Shell, reviews: ReviewApi, cred: Credentials, status: Status, review: Review) {
    this.#reviews = reviews;
    this.#cred = cred;
    this.#status = status;
    this.#review = review;
    this.#state = review.state;
    this.#panels = new ReviewPanels(
      {
        seekTo: (a) => this.#showAnnotation(a),
        setStatus: (t, s) => void this.#reviews.updateTask(t.id, { status: s }).catch((err: unknown) => status.error("updating the task", err)),
        watchRecording: (r) => void this.#watchRecording(r),
        deleteRecording: (r) =>
          void this.#reviews.deleteRecording(r.id).then(
            () => this.#loadRecordings(),
            (err: unknown) => status.error("deleting the recording", err),
          ),
      },
      review.id,
      (path) => withCredentials(path, cred),
      review.createdBy !== "" && review.createdBy === review.user,
    );
    document.title = `${review.title} · Review · Atelier`;
    shell.title.replaceChildren(
      h("h1", { text: review.title }),
      h("a", { class: "small", href: `/reviews/${encodeURIComponent(review.id)}/publish`, text: "Publish to this review" }),
    );
    this.#stage.canDraw = review.role !== "viewer";
    shell.main.replaceChildren(
      h("div", { class: "review" }, h("section", { class: "review-main" }, this.#bar, this.#stage.el, this.#notes), this.#panels.el),
    );
    this.#renderBar();
    this.#renderNotes();
    window.__review = {
      framesSeen: () => this.#stage.framesSeen,
      currentRtp: () => this.#stage.current?.rtp ?? null,
      held: () => this.#heldInfo,
      state: () => this.#state,
      role: () => this.#review.role,
      annotations: () => this.#annotations.length,
      tasks: () => this.#tasks.map((t) => ({ id: t.id, title: t.title, status: t.status })),
      channelUp: () => this.#channelUp,
      recordings: () => this.#recordingCount,
      playback: () => (this.#recording ? { recording: this.#recording.rec.id, playing: this.#recording.player.playing, mediaTime: this.#recording.player.mediaTime } : null),
    };
  }

  start(): void {
    new ReviewChannel(this.#review.id, this.#cred, {
      message: (m) => this.#onMessage(m),
      connection: (up, why) => {
        this.#channelUp = up;
        if (!up) this.#status.info(`review channel: ${why}; reconnecting`);
        this.#renderBar();
      },
      gaveUp: () => {
        // Ask the API why: a 404 or 403 says the session is gone or closed to us.
        this.#reviews.get(this.#review.id).then(
          () => this.#status.error("the review channel keeps failing; reload the page to try again"),
          (err: unknown) => this.#status.error("the review is no longer available", err),
        );
      },
    }).open();
    void this.#watch();
  }

  /**
   * Bumped whenever the stage switches source (live, a recording, or live
   * again): a watch started for an older source drops what it gets.
   */
  #source = 0;

  /** Watches the live stream, waiting for a publisher and retrying failures, until the source changes. */
  async #watch(): Promise<void> {
    const source = ++this.#source;
    let backoff = 1000;
    while (source === this.#source) {
      try {
        const m = await watch(`/api/reviews/${encodeURIComponent(this.#review.id)}/whep`, this.#cred, (e) => {
          if (source === this.#source && e.track.kind === "video") this.#stage.video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        });
        if (source !== this.#source) {
          void m.close(); // the user switched to a recording meanwhile
          return;
        }
        this.#media = m;
        m.pc.addEventListener("connectionstatechange", () => {
          const st = m.pc.connectionState;
          if ((st === "failed" || st === "closed") && this.#media === m && source === this.#source) {
            this.#status.info("stream lost; reconnecting");
            void m.close();
            this.#media = null;
            setTimeout(() => void this.#watch(), 1000);
          }
        });
        this.#status.info("watching");
        return;
      } catch (err) {
        if (err instanceof NoPublisher) {
          this.#status.info("waiting for the build to publish…");
          await sleep(err.retryAfterMs);
        } else {
          this.#status.error("watching the stream (retrying)", err);
          await sleep(backoff);
          backoff = Math.min(2 * backoff, 15_000);
        }
      }
    }
  }

  /** The publisher ended: drop its stream and wait for the next one. */
  #streamEnded(): void {
    if (this.#recording !== null) return;
    void this.#media?.close();
    this.#media = null;
    void this.#watch();
  }

  #onMessage(m: ChannelMessage): void {
    try {
      switch (m.type) {
        case "snapshot":
          // A (re)connect: the state now, then everything said before it.
          this.#applyState(parseState(m["state"]), true);
          void this.#reload();
          break;
        case "state":
          this.#applyState(parseState(m["state"]), false);
          break;
        case "annotation":
          this.#upsert(this.#annotations, parseAnnotation(m["annotation"]));
          break;
        case "task":
          this.#upsert(this.#tasks, parseTask(m["task"]));
          this.#renderNotes();
          break;
        case "context":
          this.#context = m["sample"] ?? null;
          return;
        case "media":
          if (m["event"] === "ended") this.#streamEnded();
          if (m["event"] === "recorded" || m["event"] === "deleted") void this.#loadRecordings();
          break;
        case "playback":
          if (this.#recording !== null && m["recording"] === this.#recording.rec.id) this.#recording.player = parsePlayer(m["playback"]);
          break;
      }
    } catch (err) {
      this.#status.error(`review channel message "${m.type}"`, err);
    }
    this.#panels.render(this.#annotations, this.#tasks, this.#state);
    this.#renderBar();
    this.#refreshEvents();
  }

  #recordingCount = 0;

  async #loadRecordings(): Promise<void> {
    try {
      const recs = await this.#reviews.recordings(this.#review.id);
      this.#recordingCount = recs.length;
      this.#panels.showRecordings(recs);
    } catch (err) {
      this.#status.error("listing the recordings", err);
    }
  }

  /** Switches the stage to a recording's group playback (WHEP). */
  async #watchRecording(rec: Recording): Promise<void> {
    const source = ++this.#source;
    await this.#media?.close();
    this.#media = null;
    this.#stage.resume();
    this.#heldInfo = null;
    try {
      const m = await watch(`/api/recordings/${encodeURIComponent(rec.id)}/whep`, this.#cred, (e) => {
        if (source === this.#source && e.track.kind === "video") this.#stage.video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      });
      if (source !== this.#source) {
        void m.close();
        return;
      }
      this.#media = m;
      // Joining a playback already under way: its state now.
      const player = (await this.#reviews.recording(rec.id)).playback ?? { playing: false, ended: false, mediaTime: 0, frame: 0, rtpTimestamp: 0 };
      this.#recording = { rec, player };
      this.#status.info(`watching the recording of ${new Date(rec.startedAt).toLocaleTimeString()}`);
    } catch (err) {
      this.#status.error("watching the recording", err);
    }
    this.#renderBar();
  }

  async #backToLive(): Promise<void> {
    this.#source++;
    await this.#media?.close();
    this.#media = null;
    this.#recording = null;
    this.#renderBar();
    void this.#watch();
  }

  async #controlRecording(c: { action: "play" | "pause" | "seek"; mediaTime?: number }): Promise<void> {
    const r = this.#recording;
    if (r === null) return;
    try {
      r.player = await this.#reviews.controlRecording(r.rec.id, c);
    } catch (err) {
      this.#status.error(`recording ${c.action}`, err);
    }
    this.#renderBar();
  }

  async #handOver(to: string): Promise<void> {
    try {
      this.#applyState(await this.#reviews.control(this.#review.id, { action: "handover", to }), false);
      this.#status.info(`${to} drives now`);
    } catch (err) {
      this.#status.error("handing over", err);
    }
    this.#renderBar();
  }

  /** Reads the annotations and tasks said so far (after a snapshot). */
  async #reload(): Promise<void> {
    void this.#loadRecordings();
    try {
      const [annotations, tasks] = await Promise.all([this.#reviews.annotations(this.#review.id), this.#reviews.tasks({ session: this.#review.id })]);
      for (const a of annotations) this.#upsert(this.#annotations, a);
      for (const t of tasks) this.#upsert(this.#tasks, t);
      this.#panels.render(this.#annotations, this.#tasks, this.#state);
      this.#renderNotes();
    } catch (err) {
      this.#status.error("reading the review's notes", err);
    }
  }

  #eventsDue = false;
  /** Re-reads the event log, at most once per half second. */
  #refreshEvents(): void {
    if (this.#eventsDue) return;
    this.#eventsDue = true;
    setTimeout(() => {
      this.#eventsDue = false;
      this.#reviews.events(this.#review.id).then(
        (evs) => this.#panels.showEvents(evs),
        (err: unknown) => this.#status.error("reading the event log", err),
      );
    }, 500);
  }

  #upsert<T extends { id: string }>(list: T[], x: T): void {
    const i = list.findIndex((y) => y.id === x.id);
    if (i >= 0) list[i] = x;
    else list.push(x);
  }

  #applyState(s: PlaybackState, force: boolean): void {
    if (!force && s.version <= this.#state.version) return; // an older state arriving late
    this.#state = s;
    if (!this.#follow && s.driver !== this.#cred.user) return;
    if (s.paused) {
      this.#stage.hold(s.rtpTimestamp, (f, exact) => {
        this.#heldInfo = { rtp: f.rtp, exact };
        this.#renderBar();
      });
    } else {
      this.#heldInfo = null;
      this.#stage.resume();
    }
  }

  /** Whether this page's user drives (the server names the user: a token's subject, or ?user=). */
  #isDriver(): boolean {
    return this.#state.driver !== "" && this.#state.driver === this.#review.user;
  }

  async #control(action: "pause" | "resume"): Promise<void> {
    const cur = this.#stage.current;
    if (action === "pause" && cur === null) {
      this.#status.error("pause: no frame has arrived yet");
      return;
    }
    try {
      const s = await this.#reviews.control(this.#review.id, action === "pause" ? { action, rtpTimestamp: cur!.rtp } : { action });
      this.#applyState(s, false);
    } catch (err) {
      this.#status.error(action, err);
    }
    this.#renderBar();
  }

  #renderBar(): void {
    if (this.#recording !== null) {
      this.#renderRecordingBar(this.#recording);
      return;
    }
    const s = this.#state;
    const driver = this.#isDriver();
    const pause = h("button", { type: "button", class: "review-pause", text: s.paused ? "Resume (live)" : "Pause for everyone", disabled: !driver });
    pause.addEventListener("click", () => void this.#control(s.paused ? "resume" : "pause"));
    const follow = h("input", { type: "checkbox", name: "follow", checked: this.#follow });
    follow.addEventListener("change", () => {
      this.#follow = follow.checked;
      if (this.#follow) this.#applyState(this.#state, true);
    });
    const badge = s.paused ? `Paused at ${s.mediaTime.toFixed(2)} s${this.#heldInfo ? (this.#heldInfo.exact ? " (same frame)" : " (nearest frame)") : " (waiting for the frame)"}` : "Live";
    this.#bar.replaceChildren(
      h("span", { class: `review-badge ${s.paused ? "paused" : "live"}`, text: badge }),
      h("span", { text: ` Driver: ${s.driver || "—"} · you: ${this.#review.role} · ${this.#channelUp ? "connected" : "connecting…"} ` }),
      pause,
      h("label", { class: "follow" }, follow, " follow the driver"),
      ...(driver ? [this.#handoverControl(s)].filter((x): x is HTMLElement => x !== null) : []),
    );
  }

  #handoverControl(s: PlaybackState): HTMLElement | null {
    const others = s.members.filter((m) => m.user !== s.driver);
    if (others.length === 0) return null;
    const to = h("select", { name: "handover", "aria-label": "Hand the driver's seat to" });
    for (const m of others) to.append(h("option", { value: m.user, text: `${m.user} (${m.role})` }));
    const go = h("button", { type: "button", class: "handover", text: "Hand over" });
    go.addEventListener("click", () => void this.#handOver(to.value));
    return h("span", { class: "handover-control" }, to, go);
  }

  #renderRecordingBar(r: { rec: Recording; player: PlayerState }): void {
    const driver = this.#isDriver();
    const p = r.player;
    const play = h("button", { type: "button", class: "recording-play", text: p.playing ? "Pause for everyone" : "Play for everyone", disabled: !driver });
    play.addEventListener("click", () => void this.#controlRecording({ action: p.playing ? "pause" : "play" }));
    const seek = h("input", { type: "range", name: "seek", min: 0, max: r.rec.duration.toFixed(2), step: "0.01", value: p.mediaTime.toFixed(2), disabled: !driver, "aria-label": "Seek" });
    seek.addEventListener("change", () => void this.#controlRecording({ action: "seek", mediaTime: Number(seek.value) }));
    const live = h("button", { type: "button", class: "back-to-live", text: "Back to live" });
    live.addEventListener("click", () => void this.#backToLive());
    this.#bar.replaceChildren(
      h("span", { class: `review-badge ${p.playing ? "live" : "paused"}`, text: `Recording · ${p.playing ? "playing" : p.ended ? "ended" : "paused"} at ${p.mediaTime.toFixed(2)} s` }),
      h("span", { text: ` Driver: ${this.#state.driver || "—"} ` }),
      play,
      seek,
      live,
    );
  }

  #renderNotes(): void {
    if (this.#review.role === "viewer") {
      this.#notes.replaceChildren(h("p", { class: "read-only", text: "You are a viewer: you can watch and follow, not annotate." }));
      return;
    }
    const tools = (["freehand", "arrow", "rect", "ellipse"] as ShapeKind[]).map((k) => {
      const b = h("button", { type: "button", class: `tool ${this.#stage.tool === k ? "on" : ""}`, "data-tool": k, text: k });
      b.addEventListener("click", () => {
        this.#stage.tool = k;
        this.#renderNotes();
      });
      return b;
    });
    const colour = h("input", { type: "color", name: "colour", value: this.#stage.colour, "aria-label": "Colour" });
    colour.addEventListener("input", () => (this.#stage.colour = colour.value));
    const text = h("textarea", { name: "note", rows: 2, placeholder: "What should change here?", "aria-label": "Note" });
    const taskSel = h("select", { name: "task", "aria-label": "Task" }, h("option", { value: "", text: "New task" }));
    for (const t of this.#tasks) taskSel.append(h("option", { value: t.id, text: `Add to: ${t.title}` }));
    const title = h("input", { type: "text", name: "task-title", placeholder: "Task title (new task)", "aria-label": "Task title" });
    const clear = h("button", { type: "button", text: "Clear drawing" });
    clear.addEventListener("click", () => {
      this.#stage.draft = [];
      this.#stage.redraw();
    });
    const save = h("button", { type: "submit", class: "save-annotation", text: "Save note" });
    const form = h("form", { class: "annotate" }, ...tools, colour, clear, text, taskSel, title, save);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.#annotate(text.value, taskSel.value, title.value).then((ok) => {
        if (ok) {
          text.value = "";
          title.value = "";
        }
      });
    });
    this.#notes.replaceChildren(form);
  }

  async #annotate(text: string, taskId: string, taskTitle: string): Promise<boolean> {
    const held = this.#stage.held;
    const at = held !== null ? { rtp: held.rtp, mediaTime: held.mediaTime } : this.#stage.current;
    if (at === null) {
      this.#status.error("note: no frame to annotate yet");
      return false;
    }
    try {
      const shapes = this.#stage.draft.length > 0 ? this.#stage.draft : [{ kind: "text" as const, points: [[0.05, 0.05] as [number, number]] }];
      if (this.#stage.draft.length === 0 && text.trim() === "") {
        this.#status.error("note: draw on the frame or write something first");
        return false;
      }
      const { annotation } = await this.#reviews.annotate(this.#review.id, {
        mediaTime: this.#recording !== null ? this.#recording.player.mediaTime : this.#state.paused ? this.#state.mediaTime : at.mediaTime,
        rtpTimestamp: this.#recording !== null ? this.#recording.player.rtpTimestamp : at.rtp,
        text,
        shapes,
        colour: this.#stage.colour,
        ...(taskId !== "" ? { attachTo: taskId } : { task: { title: taskTitle.trim() || text.trim().slice(0, 80) || "Review note" } }),
      }, this.#recording?.rec.id ?? "");
      this.#stage.draft = [];
      this.#stage.redraw();
      const img = await this.#stage.frameImage();
      if (img !== null) await this.#reviews.uploadFrame(this.#review.id, annotation.id, img, this.#cred.token, this.#cred.user);
      this.#status.info("note saved");
      return true;
    } catch (err) {
      this.#status.error("saving the note", err);
      return false;
    }
  }

  #showAnnotation(a: Annotation): void {
    this.#stage.shown = [{ shapes: a.shapes, colour: a.colour }];
    this.#stage.redraw();
  }
}

/** path with the caller's credentials as a query parameter (for plain links). */
function withCredentials(path: string, cred: Credentials): string {
  const u = new URL(path, window.location.href);
  if (cred.token !== "") u.searchParams.set("token", cred.token);
  else if (cred.user !== "") u.searchParams.set("user", cred.user);
  return u.pathname + u.search;
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}
