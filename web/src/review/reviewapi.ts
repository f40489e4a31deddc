// The typed client for review sessions, annotations and tasks
// (docs/review.md, /api/openapi.json). Responses are checked as they are
// parsed: a field of the wrong type is an ApiError, never a silent undefined.

import { Api, ApiError } from "../api";
import type { Shape } from "./shapes";

/** A participant's role in a review session. */
export type ReviewRole = "driver" | "annotator" | "viewer";

/** The playback state every participant follows. */
export interface PlaybackState {
  paused: boolean;
  /** Seconds since the stream (or recording) began. */
  mediaTime: number;
  /** The RTP timestamp of the held frame (0 while live). */
  rtpTimestamp: number;
  driver: string;
  /** Bumped by every change: a client ignores states older than the one it shows. */
  version: number;
  /** Who has joined, with their roles. */
  members: Array<{ user: string; role: ReviewRole }>;
}

/** A finished recording of a session's stream. */
export interface Recording {
  id: string;
  startedAt: string;
  /** Seconds. */
  duration: number;
  frames: number;
  /** Media times of the keyframes (where a seek lands). */
  keyframes: number[];
  /** Finished by crash recovery: the server died while recording; its complete frames were kept. */
  recovered: boolean;
}

/** A recording's group playback. */
export interface PlayerState {
  playing: boolean;
  ended: boolean;
  mediaTime: number;
  frame: number;
  rtpTimestamp: number;
}

/** A camera pose: position and rotation quaternion. */
export interface Pose {
  p: [number, number, number];
  q: [number, number, number, number];
}

/** Where in the world a frame was: the build's side-channel sample. */
export interface WorldContext {
  world: string;
  build: string;
  tick: number;
  camera: Pose | null;
  nodes: string[];
}

/** A review session as the API returns it. */
export interface Review {
  id: string;
  title: string;
  world: string;
  build: string;
  createdBy: string;
  createdAt: string;
  /** The caller as the server knows them (a token's subject, or ?user=). */
  user: string;
  /** The caller's role. */
  role: ReviewRole;
  state: PlaybackState;
  /** A publisher is streaming. */
  live: boolean;
}

/** An annotation on a frame. */
export interface Annotation extends WorldContext {
  id: string;
  session: string;
  author: string;
  createdAt: string;
  mediaTime: number;
  rtpTimestamp: number;
  text: string;
  colour: string;
  shapes: Shape[];
  tasks: string[];
  /** The uploaded frame's content type, "" before it arrives. */
  frameType: string;
  deepLink: string;
}

/** Task states. */
export type TaskStatus = "open" | "in-progress" | "done";

/** A task made from annotations. */
export interface Task {
  id: string;
  session: string;
  title: string;
  status: TaskStatus;
  assignee: string;
  priority: string;
  world: string;
  nodes: string[];
  annotations: string[];
  deepLink: string;
  updatedAt: string;
  version: number;
}

/** What a new annotation says, and the task it makes or joins. */
export interface AnnotationInput {
  mediaTime: number;
  /** The frame's RTP timestamp on the live stream (the server derives the media time from it). */
  rtpTimestamp?: number;
  text: string;
  colour: string;
  shapes: Shape[];
  /** A new task made from the note, or attachTo an existing one. */
  task?: { title: string; priority?: string; assignee?: string };
  attachTo?: string;
}

/** The review client. */
export class ReviewApi {
  readonly #api: Api;
  constructor(api: Api) {
    this.#api = api;
  }

  async create(title: string, world = "", build = ""): Promise<Review> {
    return parseReview(await this.#api.request("POST", "/api/reviews", { title, world, build }));
  }

  async get(id: string): Promise<Review> {
    return parseReview(await this.#api.request("GET", `/api/reviews/${enc(id)}`));
  }

  async list(): Promise<Review[]> {
    return list(await this.#api.request("GET", "/api/reviews"), "reviews").map(parseReview);
  }

  /** Pause (at a frame), resume (live), seek (recordings) or hand the driver role over. */
  async control(id: string, c: { action: "pause" | "resume" | "seek" | "handover"; mediaTime?: number; rtpTimestamp?: number; to?: string; ifVersion?: number }): Promise<PlaybackState> {
    return parseState(await this.#api.request("POST", `/api/reviews/${enc(id)}/control`, c));
  }

  /** Annotates the live stream, or a recording's playback (recording: its id). */
  async annotate(id: string, a: AnnotationInput, recording = ""): Promise<{ annotation: Annotation; task: Task | null }> {
    const q = recording === "" ? "" : `?recording=${enc(recording)}`;
    const body = await this.#api.request("POST", `/api/reviews/${enc(id)}/annotations${q}`, a);
    const task = get(body, "task");
    return { annotation: parseAnnotation(get(body, "annotation")), task: task == null ? null : parseTask(task) };
  }

  async annotations(id: string): Promise<Annotation[]> {
    return list(await this.#api.request("GET", `/api/reviews/${enc(id)}/annotations`), "annotations").map(parseAnnotation);
  }

  /** Uploads the frame an annotation was drawn on (PNG or JPEG). */
  async uploadFrame(id: string, annotation: string, image: Blob, token: string, user: string): Promise<void> {
    let url = `/api/reviews/${enc(id)}/annotations/${enc(annotation)}/frame`;
    const headers: Record<string, string> = { "Content-Type": image.type };
    if (token !== "") headers["Authorization"] = `Bearer ${token}`;
    else if (user !== "") url += `?user=${enc(user)}`;
    const resp = await fetch(url, { method: "PUT", headers, body: image });
    if (!resp.ok) throw new ApiError("PUT", url, resp.status, (await resp.text()).slice(0, 200));
  }

  async tasks(filter: { session?: string; status?: TaskStatus } = {}): Promise<Task[]> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>).toString();
    return list(await this.#api.request("GET", `/api/tasks${q ? `?${q}` : ""}`), "tasks").map(parseTask);
  }

  async updateTask(id: string, patch: Partial<Pick<Task, "title" | "status" | "assignee" | "priority">>): Promise<Task> {
    return parseTask(await this.#api.request("PATCH", `/api/tasks/${enc(id)}`, patch));
  }

  async recordings(id: string): Promise<Recording[]> {
    return list(await this.#api.request("GET", `/api/reviews/${enc(id)}/recordings`), "recordings").map((r) => ({
      id: str(r, "id", false), startedAt: str(r, "startedAt"), duration: num(r, "duration"), frames: num(r, "frames"),
      keyframes: list(r, "keyframes").map((x) => (typeof x === "number" ? x : 0)), recovered: get(r, "recovered") === true,
    }));
  }

  /** Deletes a recording (its session's creator, or an owner of its world; refused while someone watches it). */
  async deleteRecording(rec: string): Promise<void> {
    await this.#api.request("DELETE", `/api/recordings/${enc(rec)}`);
  }

  /** One recording, with its group playback's state when it is being played. */
  async recording(rec: string): Promise<Recording & { playback: PlayerState | null }> {
    const v = await this.#api.request("GET", `/api/recordings/${enc(rec)}`);
    const pb = get(v, "playback");
    return {
      id: str(v, "id", false), startedAt: str(v, "startedAt"), duration: num(v, "duration"), frames: num(v, "frames"),
      keyframes: list(v, "keyframes").map((x) => (typeof x === "number" ? x : 0)), recovered: get(v, "recovered") === true,
      playback: pb == null ? null : parsePlayer(pb),
    };
  }

  /** Plays, pauses or seeks a recording for everyone watching it (the session driver only). */
  async controlRecording(rec: string, c: { action: "play" | "pause" | "seek"; mediaTime?: number }): Promise<PlayerState> {
    return parsePlayer(await this.#api.request("POST", `/api/recordings/${enc(rec)}/control`, c));
  }

  async events(id: string): Promise<ReviewEvent[]> {
    const body = await this.#api.request("GET", `/api/reviews/${enc(id)}/events`);
    if (!Array.isArray(body)) throw bad("events is not a list");
    return body.map(parseEvent);
  }
}

/** An entry of a session's event log. */
export interface ReviewEvent {
  seq: number;
  kind: string;
  user: string;
  at: string;
  mediaTime: number;
  detail: Record<string, string>;
}

const enc = encodeURIComponent;

function get(v: unknown, k: string): unknown {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined;
}

function bad(what: string): ApiError {
  return new ApiError("GET", "/api/reviews", 200, `malformed response: ${what}`);
}

function str(v: unknown, k: string, optional = true): string {
  const x = get(v, k);
  if (typeof x === "string") return x;
  if (optional && x == null) return "";
  throw bad(`${k} is not a string`);
}

function num(v: unknown, k: string): number {
  const x = get(v, k);
  if (typeof x === "number" && Number.isFinite(x)) return x;
  if (x == null) return 0;
  throw bad(`${k} is not a number`);
}

function list(v: unknown, k: string): unknown[] {
  const x = get(v, k);
  if (x == null) return [];
  if (!Array.isArray(x)) throw bad(`${k} is not a list`);
  return x;
}

function strs(v: unknown, k: string): string[] {
  return list(v, k).map((x) => {
    if (typeof x !== "string") throw bad(`${k} holds a non-string`);
    return x;
  });
}

const ROLES = new Set(["driver", "annotator", "viewer"]);
const STATUSES = new Set(["open", "in-progress", "done"]);

/** Checks a playback state. */
export function parseState(v: unknown): PlaybackState {
  const members = list(v, "members").map((m) => {
    const role = str(m, "role");
    return { user: str(m, "user"), role: (ROLES.has(role) ? role : "viewer") as ReviewRole };
  });
  return { paused: get(v, "paused") === true, mediaTime: num(v, "mediaTime"), rtpTimestamp: num(v, "rtpTimestamp"), driver: str(v, "driver"), version: num(v, "version"), members };
}

/** Checks a recording's playback state. */
export function parsePlayer(v: unknown): PlayerState {
  return { playing: get(v, "playing") === true, ended: get(v, "ended") === true, mediaTime: num(v, "mediaTime"), frame: num(v, "frame"), rtpTimestamp: num(v, "rtpTimestamp") };
}

/** Checks a review session. */
export function parseReview(v: unknown): Review {
  const role = str(v, "role");
  return {
    id: str(v, "id", false), title: str(v, "title"), world: str(v, "world"), build: str(v, "build"),
    createdBy: str(v, "createdBy"), createdAt: str(v, "createdAt"), user: str(v, "user"),
    role: ROLES.has(role) ? (role as ReviewRole) : "viewer",
    state: parseState(get(v, "state")), live: get(v, "live") === true,
  };
}

function parseCamera(v: unknown): Pose | null {
  if (v == null) return null;
  const p = list(v, "p");
  const q = list(v, "q");
  return p.length === 3 && q.length === 4 && [...p, ...q].every((x) => typeof x === "number") ? { p: p as Pose["p"], q: q as Pose["q"] } : null;
}

/** Checks an annotation. */
export function parseAnnotation(v: unknown): Annotation {
  const shapes = list(v, "shapes").map((s): Shape => ({
    kind: str(s, "kind") as Shape["kind"],
    points: list(s, "points").map((p) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "number" || typeof p[1] !== "number") throw bad("a shape point is not [x, y]");
      return [p[0], p[1]];
    }),
  }));
  return {
    id: str(v, "id", false), session: str(v, "session"), author: str(v, "author"), createdAt: str(v, "createdAt"),
    mediaTime: num(v, "mediaTime"), rtpTimestamp: num(v, "rtpTimestamp"), text: str(v, "text"), colour: str(v, "colour"), shapes,
    world: str(v, "world"), build: str(v, "build"), tick: num(v, "tick"), camera: parseCamera(get(v, "camera")), nodes: strs(v, "nodes"),
    tasks: strs(v, "tasks"), frameType: str(v, "frameType"), deepLink: str(v, "deepLink"),
  };
}

/** Checks a task. */
export function parseTask(v: unknown): Task {
  const status = str(v, "status");
  if (!STATUSES.has(status)) throw bad(`task status "${status}"`);
  return {
    id: str(v, "id", false), session: str(v, "session"), title: str(v, "title"), status: status as TaskStatus, assignee: str(v, "assignee"),
    priority: str(v, "priority"), world: str(v, "world"), nodes: strs(v, "nodes"), annotations: strs(v, "annotations"),
    deepLink: str(v, "deepLink"), updatedAt: str(v, "updatedAt"), version: num(v, "version"),
  };
}

function parseEvent(v: unknown): ReviewEvent {
  const d = get(v, "detail");
  const detail: Record<string, string> = {};
  if (typeof d === "object" && d !== null) for (const [k, x] of Object.entries(d)) detail[k] = String(x);
  return { seq: num(v, "seq"), kind: str(v, "kind"), user: str(v, "user"), at: str(v, "at"), mediaTime: num(v, "mediaTime"), detail };
}
