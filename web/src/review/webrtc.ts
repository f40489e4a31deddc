// WHIP (RFC 9725) and WHEP clients for the browser: one HTTP POST of an
// SDP offer gathered in full (no trickle needed on loopback or a LAN),
// the answer applied, and the session's resource URL (Location) kept so
// closing sends DELETE. A WHEP POST answered 409 means no one is
// publishing yet: NoPublisher carries the server's Retry-After.

import type { Credentials } from "../api";

/** WHEP was refused because no publisher is live; retry after retryAfterMs. */
export class NoPublisher extends Error {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super("no one is publishing to this review yet");
    this.name = "NoPublisher";
    this.retryAfterMs = retryAfterMs;
  }
}

/** A negotiated WHIP or WHEP session. */
export interface MediaSession {
  pc: RTCPeerConnection;
  /** The resource URL the server gave (Location), for DELETE. */
  resource: string;
  /** Ends the session: DELETE on the resource, then closes the connection. */
  close(): Promise<void>;
}

/** How long to wait for ICE gathering before sending what was gathered. */
const GATHER_TIMEOUT_MS = 3000;

/** Watches a review over WHEP: the video (and audio) arrive on the returned session's tracks. */
export async function watch(url: string, cred: Credentials, onTrack: (e: RTCTrackEvent) => void): Promise<MediaSession> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  pc.addEventListener("track", onTrack);
  return negotiate(pc, url, cred);
}

/**
 * Publishes a stream over WHIP. The data channel "atelier-context" (opened
 * before the offer, so it is negotiated with it) carries the build's
 * context samples; it is returned for the caller to send on.
 */
export async function publish(url: string, cred: Credentials, stream: MediaStream): Promise<MediaSession & { context: RTCDataChannel }> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
  const context = pc.createDataChannel("atelier-context", { ordered: true });
  const s = await negotiate(pc, url, cred);
  return { ...s, context };
}

async function negotiate(pc: RTCPeerConnection, url: string, cred: Credentials): Promise<MediaSession> {
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const resp = await fetch(withUser(url, cred), {
      method: "POST",
      headers: headers(cred, { "Content-Type": "application/sdp" }),
      body: pc.localDescription!.sdp,
    });
    const body = await resp.text();
    if (resp.status === 409) throw new NoPublisher(1000 * (Number(resp.headers.get("Retry-After")) || 2));
    if (resp.status !== 201) throw new Error(`${resp.status} ${errorOf(body) || resp.statusText}`);
    const location = resp.headers.get("Location");
    if (location === null) throw new Error("the server gave no Location for the session");
    const resource = new URL(location, new URL(url, window.location.href)).toString();
    await pc.setRemoteDescription({ type: "answer", sdp: body });
    let closed = false;
    return {
      pc,
      resource,
      async close() {
        if (closed) return;
        closed = true;
        pc.close();
        await fetch(withUser(resource, cred), { method: "DELETE", headers: headers(cred, {}) }).catch(() => {});
      },
    };
  } catch (err) {
    pc.close();
    throw err;
  }
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((ok) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", done);
      clearTimeout(timer);
      ok();
    };
    const timer = setTimeout(() => {
      pc.removeEventListener("icegatheringstatechange", done);
      ok();
    }, GATHER_TIMEOUT_MS);
    pc.addEventListener("icegatheringstatechange", done);
  });
}

function headers(cred: Credentials, extra: Record<string, string>): Record<string, string> {
  return cred.token !== "" ? { ...extra, Authorization: `Bearer ${cred.token}` } : extra;
}

function withUser(url: string, cred: Credentials): string {
  if (cred.token !== "" || cred.user === "") return url;
  const u = new URL(url, window.location.href);
  u.searchParams.set("user", cred.user);
  return u.toString();
}

function errorOf(body: string): string {
  try {
    const v = JSON.parse(body) as { error?: unknown };
    return typeof v.error === "string" ? v.error : "";
  } catch {
    return body.slice(0, 200);
  }
}
