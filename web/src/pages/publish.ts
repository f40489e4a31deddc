// The publish page: send a canvas (an animated test pattern standing in
// for a running build) or a screen share to a review over WHIP, with the
// build's context samples (camera pose, world, build, tick) on the
// "atelier-context" data channel, ten times a second.

import "../review/review.css";
import { errorText, type Credentials } from "../api";
import { h } from "../dom";
import { publish, type MediaSession } from "../review/webrtc";
import type { Shell } from "../shell";
import type { Status } from "../status";

/** What browser tests read on the publish page (window.__publish). */
export interface PublishHooks {
  state(): string;
  framesDrawn(): number;
  samplesSent(): number;
}

declare global {
  interface Window {
    __publish?: PublishHooks;
  }
}

/** Mounts the publish page for review id. */
export function mountPublishPage(shell: Shell, cred: Credentials, status: Status, id: string): void {
  const canvas = h("canvas", { class: "publish-canvas", width: 640, height: 360 });
  const world = h("input", { type: "text", name: "world", placeholder: "world id (optional)", "aria-label": "World" });
  const build = h("input", { type: "text", name: "build", value: "test-pattern", "aria-label": "Build" });
  const start = h("button", { type: "button", class: "publish-canvas-start", text: "Publish test pattern" });
  const screen = h("button", { type: "button", text: "Share screen" });
  const stop = h("button", { type: "button", text: "Stop", disabled: true });
  const state = h("span", { class: "publish-state", text: "idle" });
  shell.title.replaceChildren(h("h1", { text: "Publish to review" }), h("a", { class: "small", href: `/reviews/${encodeURIComponent(id)}`, text: "Watch" }));
  shell.main.replaceChildren(h("div", { class: "publish" }, h("div", { class: "publish-controls" }, world, build, start, screen, stop, state), canvas));

  let session: (MediaSession & { context: RTCDataChannel }) | null = null;
  let frames = 0;
  let samples = 0;
  let tick = 0;
  const t0 = performance.now();
  const draw = (): void => {
    const ctx = canvas.getContext("2d");
    if (ctx !== null) {
      const t = (performance.now() - t0) / 1000;
      ctx.fillStyle = `hsl(${(t * 40) % 360} 40% 25%)`;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = "#fff";
      ctx.font = "28px sans-serif";
      ctx.fillText(`frame ${frames} · ${t.toFixed(2)} s`, 20, 50);
      ctx.fillRect(320 + Math.sin(t * 2) * 250, 200, 40, 40);
    }
    frames++;
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);
  window.__publish = { state: () => state.textContent ?? "", framesDrawn: () => frames, samplesSent: () => samples };

  const go = async (stream: MediaStream): Promise<void> => {
    start.disabled = screen.disabled = true;
    state.textContent = "connecting…";
    try {
      session = await publish(`/api/reviews/${encodeURIComponent(id)}/whip`, cred, stream);
      state.textContent = "publishing";
      stop.disabled = false;
      const timer = setInterval(() => {
        if (session === null) return clearInterval(timer);
        if (session.context.readyState !== "open") return;
        tick++;
        const t = (performance.now() - t0) / 1000;
        session.context.send(JSON.stringify({
          mediaTime: t, tick, world: world.value.trim(), build: build.value.trim(),
          camera: { p: [Math.sin(t) * 10, 2, Math.cos(t) * 10], q: [0, Math.sin(t / 2), 0, Math.cos(t / 2)] },
        }));
        samples++;
      }, 100);
      session.pc.addEventListener("connectionstatechange", () => {
        if (session !== null) state.textContent = session.pc.connectionState === "connected" ? "publishing" : session.pc.connectionState;
      });
    } catch (err) {
      state.textContent = `failed: ${errorText(err)}`;
      status.error("publishing", err);
      start.disabled = screen.disabled = false;
    }
  };
  start.addEventListener("click", () => void go(canvas.captureStream(30)));
  screen.addEventListener("click", () => {
    navigator.mediaDevices.getDisplayMedia({ video: true, audio: true }).then((s) => go(s), (err: unknown) => status.error("screen share", err));
  });
  stop.addEventListener("click", () => {
    void session?.close();
    session = null;
    state.textContent = "stopped";
    stop.disabled = true;
    start.disabled = screen.disabled = false;
  });
}
