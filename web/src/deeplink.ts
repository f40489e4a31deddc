// Page addresses: "/" is the world list, "/worlds/{id}" a world's editor,
// with an optional deep link to a view and a node:
//
//   /worlds/{id}?camera=px,py,pz,qx,qy,qz,qw&select=NODE
//
// camera is the viewport camera's world position and orientation
// (a unit quaternion x, y, z, w, the schema's order); select is a node id
// in any of the world's layers.

import type { WorldId } from "./api";

/** A camera pose in world space. */
export interface CameraPose {
  position: [number, number, number];
  quaternion: [number, number, number, number];
}

/** What a page address asks for. */
export type Route =
  | { page: "worlds" }
  | { page: "editor"; world: WorldId; link: DeepLink }
  | { page: "reviews" }
  | { page: "review"; review: string }
  | { page: "publish"; review: string }
  | { page: "not-found"; path: string };

/** The view a world's address asks for. problems lists parameters that were ignored. */
export interface DeepLink {
  camera: CameraPose | null;
  select: string | null;
  problems: string[];
}

/** Parses a page URL's path and query into a route. */
export function parseRoute(pathname: string, search: string): Route {
  if (pathname === "/" || pathname === "") return { page: "worlds" };
  if (pathname === "/reviews" || pathname === "/reviews/") return { page: "reviews" };
  const r = /^\/reviews\/([^/]+)(\/publish)?\/?$/.exec(pathname);
  if (r?.[1] !== undefined) {
    try {
      const review = decodeURIComponent(r[1]);
      return r[2] !== undefined ? { page: "publish", review } : { page: "review", review };
    } catch {
      return { page: "not-found", path: pathname };
    }
  }
  const m = /^\/worlds\/([^/]+)\/?$/.exec(pathname);
  if (m?.[1] !== undefined) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      return { page: "not-found", path: pathname };
    }
    return { page: "editor", world: id as WorldId, link: parseDeepLink(search) };
  }
  return { page: "not-found", path: pathname };
}

/** Parses ?camera=…&select=… (other parameters are left alone). */
export function parseDeepLink(search: string): DeepLink {
  const q = new URLSearchParams(search);
  const link: DeepLink = { camera: null, select: null, problems: [] };
  const cam = q.get("camera");
  if (cam !== null) {
    const pose = parseCamera(cam);
    if (typeof pose === "string") link.problems.push(`camera: ${pose}`);
    else link.camera = pose;
  }
  const sel = q.get("select");
  if (sel !== null && sel !== "") link.select = sel;
  return link;
}

/** Parses "px,py,pz,qx,qy,qz,qw"; returns the problem as a string if it cannot. */
export function parseCamera(s: string): CameraPose | string {
  const parts = s.split(",");
  if (parts.length !== 7) return `want 7 comma-separated numbers (px,py,pz,qx,qy,qz,qw), got ${parts.length}`;
  const n = parts.map((p) => (p.trim() === "" ? NaN : Number(p)));
  if (n.some((x) => !Number.isFinite(x))) return `not 7 finite numbers: ${s}`;
  const [px, py, pz, qx, qy, qz, qw] = n as [number, number, number, number, number, number, number];
  const len = Math.hypot(qx, qy, qz, qw);
  if (len < 1e-9) return "the rotation quaternion is zero";
  return { position: [px, py, pz], quaternion: [qx / len, qy / len, qz / len, qw / len] };
}

/** Formats a pose for ?camera= with at most 4 decimals (trailing zeros dropped). */
export function formatCamera(p: CameraPose): string {
  return [...p.position, ...p.quaternion].map(short).join(",");
}

function short(x: number): string {
  const r = Math.round(x * 1e4) / 1e4;
  return String(Object.is(r, -0) ? 0 : r);
}

/** The address of a world's editor, with an optional view. */
export function worldPath(world: WorldId, view: { camera?: CameraPose | null; select?: string | null } = {}): string {
  const q = new URLSearchParams();
  if (view.camera) q.set("camera", formatCamera(view.camera));
  if (view.select) q.set("select", view.select);
  const qs = q.toString().replace(/%2C/g, ",");
  return `/worlds/${encodeURIComponent(world)}${qs === "" ? "" : `?${qs}`}`;
}
