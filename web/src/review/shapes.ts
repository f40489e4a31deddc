// Annotation shapes in the frame's normalized coordinates: (0,0) is the
// top-left corner of the video frame and (1,1) the bottom-right, whatever
// size each viewer shows it at. The checks mirror the server's
// (review.Shape); drawing is shared by the live overlay and the timeline.

/** The kinds of shape a reviewer can draw ("text" anchors a note's text at a point). */
export type ShapeKind = "freehand" | "arrow" | "rect" | "ellipse" | "text";

/** One shape: a freehand path, or two points (from, to) for the others. */
export interface Shape {
  kind: ShapeKind;
  points: Array<[number, number]>;
}

/** Shapes drawn in one colour (an annotation's). */
export interface Ink {
  shapes: Shape[];
  colour: string;
}

/** The most points a freehand stroke keeps (the server refuses more). */
export const MAX_POINTS = 2000;

const COLOUR = /^#[0-9a-f]{6}$/i;

/** Why a colour is not #rrggbb, or "" when it is. */
export function colourProblem(c: string): string {
  return COLOUR.test(c) ? "" : `colour "${c}" is not #rrggbb`;
}

/** Why a shape is not valid, or "" when it is. */
export function shapeProblem(s: Shape): string {
  if (!["freehand", "arrow", "rect", "ellipse", "text"].includes(s.kind)) return `unknown shape kind "${s.kind}"`;
  const n = s.points.length;
  if (s.kind === "text" ? n !== 1 : s.kind === "freehand" ? n < 2 || n > MAX_POINTS : n !== 2) {
    return s.kind === "freehand" ? `a freehand stroke has 2 to ${MAX_POINTS} points, not ${n}` : `a ${s.kind} has 2 points, not ${n}`;
  }
  for (const [x, y] of s.points) {
    if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return `point (${x}, ${y}) is outside the frame (0–1)`;
  }
  return "";
}

/** A point on an element of size w×h, normalized and clamped into the frame. */
export function normalize(px: number, py: number, w: number, h: number): [number, number] {
  const c = (v: number) => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
  return [round4(c(px / w)), round4(c(py / h))];
}

function round4(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

/**
 * Thins a freehand stroke to at most max points, dropping points closer
 * than minStep (normalized) to the last kept one; the last point is kept.
 */
export function thin(points: ReadonlyArray<[number, number]>, minStep = 0.002, max = MAX_POINTS): Array<[number, number]> {
  if (points.length <= 2) return [...points];
  const out: Array<[number, number]> = [points[0]!];
  for (let i = 1; i < points.length - 1; i++) {
    const [x, y] = points[i]!;
    const [lx, ly] = out.at(-1)!;
    if (Math.hypot(x - lx, y - ly) >= minStep) out.push([x, y]);
  }
  out.push(points.at(-1)!);
  if (out.length <= max) return out;
  const step = (out.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => out[Math.round(i * step)]!);
}

/** Draws inks (shapes in a colour) on a 2D context of size w×h. */
export function drawInks(ctx: CanvasRenderingContext2D, inks: readonly Ink[], w: number, h: number): void {
  for (const ink of inks) drawShapes(ctx, ink.shapes, ink.colour, w, h);
}

/** Draws shapes in one colour on a 2D context of size w×h. */
export function drawShapes(ctx: CanvasRenderingContext2D, shapes: readonly Shape[], colour: string, w: number, h: number): void {
  ctx.lineWidth = Math.max(2, Math.round(Math.min(w, h) / 200));
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  for (const s of shapes) {
    const pts = s.points.map(([x, y]) => [x * w, y * h] as const);
    const [a, b] = [pts[0]!, pts.at(-1)!];
    ctx.beginPath();
    switch (s.kind) {
      case "text":
        ctx.arc(a[0], a[1], ctx.lineWidth * 2, 0, 2 * Math.PI); // the note's anchor; its text is listed
        break;
      case "freehand":
        ctx.moveTo(a[0], a[1]);
        for (const [x, y] of pts.slice(1)) ctx.lineTo(x, y);
        break;
      case "rect":
        ctx.rect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
        break;
      case "ellipse":
        ctx.ellipse((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, Math.abs(b[0] - a[0]) / 2, Math.abs(b[1] - a[1]) / 2, 0, 0, 2 * Math.PI);
        break;
      case "arrow": {
        ctx.moveTo(a[0], a[1]);
        ctx.lineTo(b[0], b[1]);
        const ang = Math.atan2(b[1] - a[1], b[0] - a[0]);
        const head = ctx.lineWidth * 5;
        for (const d of [-0.45, 0.45]) {
          ctx.moveTo(b[0], b[1]);
          ctx.lineTo(b[0] - head * Math.cos(ang + d), b[1] - head * Math.sin(ang + d));
        }
        break;
      }
    }
    ctx.stroke();
  }
}
