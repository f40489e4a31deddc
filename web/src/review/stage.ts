// The stage: the watched video, the frame held for everyone while paused,
// and the ink layer reviewers draw on. Every frame the video presents is
// noted with its RTP timestamp (requestVideoFrameCallback) and kept a few
// seconds in a FrameHold, so a pause names a frame and every viewer can
// show that same frame.

import { h } from "../dom";
import { FrameHold, type HeldFrame } from "./framehold";
import { drawInks, normalize, thin, type Ink, type Shape, type ShapeKind } from "./shapes";

/** Frames kept for holding (about two seconds at 30 fps). */
const KEPT_FRAMES = 60;

/** The frame on screen now. */
export interface CurrentFrame {
  rtp: number;
  mediaTime: number;
}

/** The stage of the review page. */
export class Stage {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  readonly #held: HTMLCanvasElement;
  readonly #ink: HTMLCanvasElement;
  readonly #frames = new FrameHold<ImageBitmap>(KEPT_FRAMES, (b) => b.close());
  /** Frames presented since the page opened. */
  framesSeen = 0;
  current: CurrentFrame | null = null;
  /** Shapes drawn (in colour) and not yet saved. */
  draft: Shape[] = [];
  /** Annotations' shapes shown on the frame. */
  shown: Ink[] = [];
  tool: ShapeKind = "freehand";
  colour = "#ff3b30";
  /** Whether drawing is allowed (annotators and the driver). */
  canDraw = false;
  #stroke: Array<[number, number]> | null = null;
  #grabbing = false;

  constructor() {
    this.video = h("video", { class: "review-video", autoplay: true, playsinline: true, muted: true });
    this.video.muted = true;
    this.#held = h("canvas", { class: "review-held", hidden: true });
    this.#ink = h("canvas", { class: "review-ink" });
    this.el = h("div", { class: "review-stage" }, this.video, this.#held, this.#ink);
    this.#watchFrames();
    this.#watchPointer();
    new ResizeObserver(() => this.redraw()).observe(this.el);
  }

  /** The frame held for everyone, or null while live. */
  get held(): HeldFrame<ImageBitmap> | null {
    return this.#frames.held;
  }

  /** Holds the frame with this RTP timestamp (now, or when it arrives); onHeld reports whether it was exact. */
  hold(rtp: number, onHeld: (f: HeldFrame<ImageBitmap>, exact: boolean) => void): void {
    this.#frames.hold(rtp, (f, exact) => {
      this.#showHeld(f);
      onHeld(f, exact);
    });
  }

  /** Back to live. */
  resume(): void {
    this.#frames.resume();
    this.#held.hidden = true;
    this.video.hidden = false;
  }

  /** The frame being annotated (held, else the current one) as a JPEG. */
  async frameImage(): Promise<Blob | null> {
    const c = document.createElement("canvas");
    const held = this.#frames.held;
    const w = held?.image.width ?? this.video.videoWidth;
    const hgt = held?.image.height ?? this.video.videoHeight;
    if (!(w > 0 && hgt > 0)) return null;
    c.width = w;
    c.height = hgt;
    const ctx = c.getContext("2d");
    if (ctx === null) return null;
    ctx.drawImage(held?.image ?? this.video, 0, 0, w, hgt);
    return new Promise((ok) => c.toBlob((b) => ok(b), "image/jpeg", 0.85));
  }

  /** Redraws the ink: annotations shown, then the draft. */
  redraw(): void {
    const r = this.el.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width));
    const hgt = Math.max(1, Math.round(r.height));
    if (this.#ink.width !== w || this.#ink.height !== hgt) {
      this.#ink.width = w;
      this.#ink.height = hgt;
    }
    const ctx = this.#ink.getContext("2d");
    if (ctx === null) return;
    ctx.clearRect(0, 0, w, hgt);
    const draft = [...this.draft, ...(this.#stroke ? [this.#draftShape(this.#stroke)] : [])];
    drawInks(ctx, [...this.shown, { shapes: draft, colour: this.colour }], w, hgt);
  }

  #showHeld(f: HeldFrame<ImageBitmap>): void {
    this.#held.width = f.image.width;
    this.#held.height = f.image.height;
    this.#held.getContext("2d")?.drawImage(f.image, 0, 0);
    this.#held.hidden = false;
    this.video.hidden = true;
  }

  #watchFrames(): void {
    const v = this.video;
    if (typeof v.requestVideoFrameCallback !== "function") return;
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
      this.framesSeen++;
      const rtp = meta.rtpTimestamp;
      if (rtp !== undefined) {
        this.current = { rtp, mediaTime: meta.mediaTime };
        createImageBitmap(v).then(
          (image) => this.#frames.record({ rtp, mediaTime: meta.mediaTime, image }),
          () => {}, // a frame that could not be copied is only one fewer to hold
        );
      }
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }

  #point(e: PointerEvent): [number, number] {
    const r = this.#ink.getBoundingClientRect();
    return normalize(e.clientX - r.left, e.clientY - r.top, r.width, r.height);
  }

  #draftShape(points: Array<[number, number]>): Shape {
    const pts = this.tool === "freehand" ? thin(points) : [points[0]!, points.at(-1)!];
    return { kind: this.tool, points: pts.length >= 2 ? pts : [pts[0]!, pts[0]!] };
  }

  #watchPointer(): void {
    const ink = this.#ink;
    ink.addEventListener("pointerdown", (e) => {
      if (!this.canDraw) return;
      this.#grabbing = true;
      ink.setPointerCapture(e.pointerId);
      this.#stroke = [this.#point(e)];
    });
    ink.addEventListener("pointermove", (e) => {
      if (!this.#grabbing || this.#stroke === null) return;
      this.#stroke.push(this.#point(e));
      this.redraw();
    });
    const end = (e: PointerEvent): void => {
      if (!this.#grabbing || this.#stroke === null) return;
      this.#grabbing = false;
      this.#stroke.push(this.#point(e));
      if (this.#stroke.length >= 2) this.draft.push(this.#draftShape(this.#stroke));
      this.#stroke = null;
      this.redraw();
    };
    ink.addEventListener("pointerup", end);
    ink.addEventListener("pointercancel", end);
  }
}
